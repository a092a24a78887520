// lockstep/core/rng.hpp — the library's own random number generator.
//
// Results must not change with the standard library, the machine or the number of threads,
// so lockstep never uses <random>'s distributions. The algorithm is fixed and documented:
//
//   * state:    xoshiro256** (Blackman & Vigna, 2018), 256 bits, period 2^256 - 1;
//   * seeding:  the four state words are four successive outputs of splitmix64(seed);
//   * uniform:  the top 24 bits of next_u64() times 2^-24, in [0, 1) (53 bits for doubles);
//   * normal:   Box–Muller, one value from two uniforms (no cached second value, so the state
//               is only the 256 bits);
//   * integers: Lemire's unbiased bounded integers (multiply-shift with rejection);
//   * shuffle:  Fisher–Yates, from the last element down.
//
// Independent streams (per epoch, per sample, per replica) come from Generator::derive(seed,
// {keys...}), a splitmix64 hash of the seed and the keys, so a stream depends on *what* it is
// for, never on which thread asked first.
//
//   lockstep::Generator gen(42);
//   float u = gen.uniform();                     // [0, 1)
//   std::vector<int64_t> p = gen.permutation(10);  // a shuffled 0..9
//   auto epoch_gen = lockstep::Generator::derive(42, {epoch});
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <vector>

namespace lockstep {

/// splitmix64's output function applied to `x` (a good 64-bit mixer).
std::uint64_t splitmix64(std::uint64_t& state);

class Generator {
 public:
  static constexpr std::uint64_t kDefaultSeed = 67280421310721ULL;  // PyTorch's default seed
  using State = std::array<std::uint64_t, 4>;

  explicit Generator(std::uint64_t seed = kDefaultSeed);

  /// A generator for an independent stream identified by `keys` (e.g. {epoch} or
  /// {epoch, sample_index}) under `seed`. Pure: the same arguments give the same stream.
  static Generator derive(std::uint64_t seed, std::initializer_list<std::uint64_t> keys);

  void manual_seed(std::uint64_t seed);
  std::uint64_t initial_seed() const { return seed_; }

  std::uint64_t next_u64();
  /// Uniform in [0, 1) with 24 random bits (exactly representable as float).
  float uniform();
  /// Uniform in [lo, hi).
  float uniform(float lo, float hi);
  /// Uniform in [0, 1) with 53 random bits.
  double uniform_double();
  /// Normal with the given mean and standard deviation (Box–Muller).
  float normal(float mean = 0.0f, float stddev = 1.0f);
  /// Uniform integer in [0, n), unbiased. n must be > 0.
  std::uint64_t below(std::uint64_t n);
  /// Fisher–Yates shuffle in place.
  void shuffle(std::span<std::int64_t> values);
  /// A random permutation of 0..n-1.
  std::vector<std::int64_t> permutation(std::int64_t n);

  /// The full state, for checkpoints; set_state restores it exactly.
  State state() const { return s_; }
  void set_state(const State& s, std::uint64_t seed);

 private:
  State s_{};
  std::uint64_t seed_ = kDefaultSeed;
};

/// The process-wide default generator (what torch.manual_seed seeds). Not thread-safe: seed
/// it and draw from it on one thread, or give each thread its own Generator.
Generator& default_generator();
/// Seeds the default generator, as torch.manual_seed does.
void manual_seed(std::uint64_t seed);

}  // namespace lockstep
