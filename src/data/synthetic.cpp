#include "lockstep/data/synthetic.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "lockstep/core/error.hpp"
#include "lockstep/core/rng.hpp"

namespace lockstep {
namespace {

constexpr std::uint64_t kCounterLimit = std::uint64_t{1} << 40;
constexpr Index kMaxCachedCenters = Index{1} << 22;

std::uint64_t stream(std::uint64_t seed, std::uint64_t which) { return seed * 16 + which; }

// 2u - 1 in float32: exact (u has 24 bits, so 2u - 1 needs at most 24).
float signed_unif(std::uint64_t s, std::uint64_t k) { return 2.0f * synthetic_unif01(s, k) - 1.0f; }

void check_counters(const char* what, Index size, Index features) {
  LOCKSTEP_CHECK(size >= 0 && features >= 0, what, ": size and features must be >= 0, got ", size,
                 " and ", features);
  LOCKSTEP_CHECK(features == 0 || static_cast<std::uint64_t>(size) <=
                                      kCounterLimit / static_cast<std::uint64_t>(features),
                 what, ": size * features = ", size, " * ", features,
                 " exceeds 2^40, the counters of a stream");
}

void check_buffers(const char* what, Index index, Index size, std::span<float> x, Index d,
                   std::span<float> y) {
  LOCKSTEP_CHECK(index >= 0 && index < size, what, ": index ", index, " is out of range for ", size,
                 " samples");
  LOCKSTEP_CHECK(static_cast<Index>(x.size()) == d && y.size() == 1, what, "::get: buffers of ",
                 x.size(), " and ", y.size(), " floats for a sample of ", d, " and 1");
}

}  // namespace

std::uint64_t synthetic_randbits(std::uint64_t stream, std::uint64_t k) {
  std::uint64_t state = (stream << 40) + k;
  return splitmix64(state);  // splitmix64 adds the golden gamma first, as common.py does
}

float synthetic_unif01(std::uint64_t stream, std::uint64_t k) {
  return static_cast<float>(synthetic_randbits(stream, k) >> 40) * 0x1.0p-24f;
}

// --- classification ---------------------------------------------------------------------------

SyntheticClassification::SyntheticClassification(Index size, Index features, Index classes,
                                                 std::uint64_t seed)
    : size_(size), features_(features), classes_(classes), seed_(seed) {
  check_counters("SyntheticClassification", size, features);
  LOCKSTEP_CHECK(classes >= 1, "SyntheticClassification: classes must be >= 1, got ", classes);
  check_counters("SyntheticClassification (centers)", classes, features);
  if (classes * features <= kMaxCachedCenters) {
    centers_.resize(static_cast<std::size_t>(classes * features));
    for (Index k = 0; k < classes * features; ++k) {
      centers_[static_cast<std::size_t>(k)] =
          signed_unif(stream(seed_, 2), static_cast<std::uint64_t>(k));
    }
  }
}

Index SyntheticClassification::label(Index index) const {
  LOCKSTEP_CHECK(index >= 0 && index < size_, "SyntheticClassification: index ", index,
                 " is out of range for ", size_, " samples");
  const std::uint64_t bits =
      synthetic_randbits(stream(seed_, 1), static_cast<std::uint64_t>(index));
  return static_cast<Index>((bits >> 32) % static_cast<std::uint64_t>(classes_));
}

float SyntheticClassification::center(Index c, Index j) const {
  LOCKSTEP_CHECK(c >= 0 && c < classes_ && j >= 0 && j < features_,
                 "SyntheticClassification::center(", c, ", ", j, ") is out of range for ", classes_,
                 " classes of ", features_, " features");
  const Index k = c * features_ + j;
  if (!centers_.empty()) return centers_[static_cast<std::size_t>(k)];
  return signed_unif(stream(seed_, 2), static_cast<std::uint64_t>(k));
}

void SyntheticClassification::get(Index index, std::span<float> x, std::span<float> y) const {
  check_buffers("SyntheticClassification", index, size_, x, features_, y);
  const Index c = label(index);
  const std::uint64_t noise_stream = stream(seed_, 3);
  const auto base = static_cast<std::uint64_t>(index * features_);
  for (Index j = 0; j < features_; ++j) {
    const float noise = signed_unif(noise_stream, base + static_cast<std::uint64_t>(j));
    // 0.5 * center is exact, so this one float32 addition decides the value (as in numpy).
    x[static_cast<std::size_t>(j)] = noise + 0.5f * center(c, j);
  }
  y[0] = static_cast<float>(c);
}

// --- regression -------------------------------------------------------------------------------

SyntheticRegression::SyntheticRegression(Index size, Index features, std::uint64_t seed,
                                         double noise)
    : size_(size), features_(features), seed_(seed), noise_(noise) {
  check_counters("SyntheticRegression", size, features);
  LOCKSTEP_CHECK(std::isfinite(noise), "SyntheticRegression: noise must be finite, got ", noise);
  weights_.resize(static_cast<std::size_t>(features));
  for (Index j = 0; j < features; ++j) {
    weights_[static_cast<std::size_t>(j)] =
        2.0 *
            static_cast<double>(synthetic_unif01(stream(seed_, 4), static_cast<std::uint64_t>(j))) -
        1.0;
  }
}

void SyntheticRegression::get(Index index, std::span<float> x, std::span<float> y) const {
  check_buffers("SyntheticRegression", index, size_, x, features_, y);
  const std::uint64_t x_stream = stream(seed_, 3);
  const auto base = static_cast<std::uint64_t>(index * features_);
  // Neumaier's compensated sum of the products (each product is exact in float64: 24 x 24 bits).
  double sum = 0, compensation = 0;
  for (Index j = 0; j < features_; ++j) {
    const float xj = signed_unif(x_stream, base + static_cast<std::uint64_t>(j));
    x[static_cast<std::size_t>(j)] = xj;
    const double term = static_cast<double>(xj) * weights_[static_cast<std::size_t>(j)];
    const double t = sum + term;
    compensation += std::fabs(sum) >= std::fabs(term) ? (sum - t) + term : (term - t) + sum;
    sum = t;
  }
  const double dot = sum + compensation;
  const double e = noise_ * (2.0 * static_cast<double>(synthetic_unif01(
                                       stream(seed_, 5), static_cast<std::uint64_t>(index))) -
                             1.0);
  y[0] = static_cast<float>(dot + e);
}

std::vector<Index> synthetic_permutation(Index n, std::uint64_t seed, std::uint64_t epoch) {
  LOCKSTEP_CHECK(n >= 0 && static_cast<std::uint64_t>(n) <= kCounterLimit,
                 "synthetic_permutation: n must be in [0, 2^40], got ", n);
  const std::uint64_t s = seed * 16 + 8 + epoch;
  std::vector<std::uint64_t> keys(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) {
    keys[static_cast<std::size_t>(i)] = synthetic_randbits(s, static_cast<std::uint64_t>(i));
  }
  std::vector<Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Index{0});
  std::stable_sort(order.begin(), order.end(), [&keys](Index a, Index b) {
    return keys[static_cast<std::size_t>(a)] < keys[static_cast<std::size_t>(b)];
  });
  return order;
}

}  // namespace lockstep
