#include "lockstep/core/rng.hpp"

#include <cmath>
#include <numbers>

#include "lockstep/core/error.hpp"

namespace lockstep {

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

namespace {
__extension__ typedef unsigned __int128 u128;  // GCC/Clang extension

inline std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

Generator::Generator(std::uint64_t seed) { manual_seed(seed); }

Generator Generator::derive(std::uint64_t seed, std::initializer_list<std::uint64_t> keys) {
  std::uint64_t h = seed;
  std::uint64_t mixed = splitmix64(h);
  for (std::uint64_t key : keys) {
    std::uint64_t k = mixed ^ (key + 0x632BE59BD9B4E019ULL);
    mixed = splitmix64(k);
  }
  return Generator(mixed);
}

void Generator::manual_seed(std::uint64_t seed) {
  seed_ = seed;
  std::uint64_t sm = seed;
  for (auto& word : s_) word = splitmix64(sm);
}

void Generator::set_state(const State& s, std::uint64_t seed) {
  LOCKSTEP_CHECK(s[0] | s[1] | s[2] | s[3], "Generator state must not be all zero");
  s_ = s;
  seed_ = seed;
}

std::uint64_t Generator::next_u64() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

float Generator::uniform() { return static_cast<float>(next_u64() >> 40) * 0x1.0p-24f; }

float Generator::uniform(float lo, float hi) {
  LOCKSTEP_CHECK(lo <= hi, "uniform: lower bound ", lo, " is above upper bound ", hi);
  return lo + (hi - lo) * uniform();
}

double Generator::uniform_double() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

float Generator::normal(float mean, float stddev) {
  LOCKSTEP_CHECK(stddev >= 0, "normal: standard deviation must be >= 0, got ", stddev);
  // u1 in (0, 1] so that log(u1) is finite.
  const double u1 = 1.0 - uniform_double();
  const double u2 = uniform_double();
  const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  return mean + stddev * static_cast<float>(z);
}

std::uint64_t Generator::below(std::uint64_t n) {
  LOCKSTEP_CHECK(n > 0, "below: the bound must be positive, got ", n);
  // Lemire, "Fast Random Integer Generation in an Interval" (2019).
  u128 m = static_cast<u128>(next_u64()) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<u128>(next_u64()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

void Generator::shuffle(std::span<std::int64_t> values) {
  for (std::size_t i = values.size(); i > 1; --i) {
    const std::size_t j = below(i);
    std::swap(values[i - 1], values[j]);
  }
}

std::vector<std::int64_t> Generator::permutation(std::int64_t n) {
  LOCKSTEP_CHECK(n >= 0, "permutation: n must be >= 0, got ", n);
  std::vector<std::int64_t> p(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) p[static_cast<std::size_t>(i)] = i;
  shuffle(p);
  return p;
}

Generator& default_generator() {
  static Generator gen;
  return gen;
}

void manual_seed(std::uint64_t seed) { default_generator().manual_seed(seed); }

}  // namespace lockstep
