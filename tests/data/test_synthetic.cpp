#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

#include "data/reader_test_util.hpp"
#include "golden/golden_synthetic.hpp"
#include "lockstep/core/rng.hpp"
#include "lockstep/data/synthetic.hpp"

// Bit-exactness against the PyTorch reference benchmarks' data: the golden values come from
// shared/bench/common.py via tests/golden/make_golden_synthetic.py.

namespace lockstep {
namespace {

namespace g = golden_synthetic;
using testing::error_of;

/// The checksum of make_golden_synthetic.py: sum over i of splitmix64((i << 32) | bits(v_i)).
class Digest {
 public:
  void add(float v) {
    std::uint64_t word = (index_++ << 32) | std::bit_cast<std::uint32_t>(v);
    sum_ += splitmix64(word);
  }
  std::uint64_t value() const { return sum_; }

 private:
  std::uint64_t index_ = 0, sum_ = 0;
};

TEST(Synthetic, RawStreamsMatchCommonPy) {
  for (std::uint64_t k = 0; k < 8; ++k) {
    EXPECT_EQ(synthetic_randbits(g::raw_stream, k), g::raw_bits[k]) << k;
    EXPECT_EQ(synthetic_unif01(g::raw_stream, k), g::raw_unif01[k]) << k;
  }
}

TEST(Synthetic, SmallClassificationSetIsBitIdentical) {
  SyntheticClassification ds(g::small_n, g::small_d, g::small_classes, g::small_seed);
  EXPECT_EQ(ds.size(), g::small_n);
  EXPECT_EQ(ds.feature_dim(), g::small_d);
  EXPECT_EQ(ds.target_dim(), 1);
  EXPECT_EQ(ds.num_classes(), g::small_classes);
  for (Index i = 0; i < g::small_n; ++i) {
    Example e = ds.get(i);
    EXPECT_EQ(ds.label(i), g::small_y[i]) << i;
    EXPECT_EQ(e.y.item(), static_cast<float>(g::small_y[i])) << i;
    for (Index j = 0; j < g::small_d; ++j) {
      ASSERT_EQ(e.x.at(0, j), g::small_x[i * g::small_d + j])
          << "sample " << i << ", feature " << j;
    }
  }
}

TEST(Synthetic, MlpMediumDataIsBitIdentical) {
  // W2: make_classification(60000, 784, 10, seed=2), every value checked through the digest.
  SyntheticClassification ds(g::w2_n, g::w2_d, g::w2_classes, g::w2_seed);
  for (std::size_t r = 0; r < std::size(g::w2_rows); ++r) {
    Example e = ds.get(g::w2_rows[r]);
    EXPECT_EQ(e.y.item(), static_cast<float>(g::w2_y_rows[r]));
    for (Index j = 0; j < g::w2_d; ++j) {
      ASSERT_EQ(e.x.at(0, j), g::w2_x_rows[static_cast<Index>(r) * g::w2_d + j])
          << "row " << g::w2_rows[r] << ", feature " << j;
    }
  }
  for (Index i = 0; i < 64; ++i) EXPECT_EQ(ds.label(i), g::w2_y_first[i]) << i;
  Digest dx, dy;
  std::vector<float> x(static_cast<std::size_t>(g::w2_d)), y(1);
  for (Index i = 0; i < g::w2_n; ++i) {
    ds.get(i, x, y);
    for (float v : x) dx.add(v);
    dy.add(y[0]);
  }
  EXPECT_EQ(dx.value(), g::w2_x_digest);
  EXPECT_EQ(dy.value(), g::w2_y_digest);
  const std::vector<Index> perm = synthetic_permutation(g::w2_n, g::w2_seed);
  for (std::size_t i = 0; i < std::size(g::w2_perm_first); ++i)
    EXPECT_EQ(perm[i], g::w2_perm_first[i]);
}

TEST(Synthetic, LinregWideDataIsBitIdentical) {
  // W4 at its --quick size: n = 100000, d = 256, seed 4.
  SyntheticRegression ds(g::w4_n, g::w4_d, g::w4_seed);
  ASSERT_EQ(ds.true_weights().size(), static_cast<std::size_t>(g::w4_d));
  for (Index j = 0; j < g::w4_d; ++j)
    EXPECT_EQ(ds.true_weights()[static_cast<std::size_t>(j)], g::w4_w_true[j]);
  for (std::size_t r = 0; r < std::size(g::w4_rows); ++r) {
    Example e = ds.get(g::w4_rows[r]);
    EXPECT_EQ(e.y.item(), g::w4_y_rows[r]) << "row " << g::w4_rows[r];
    for (Index j = 0; j < g::w4_d; ++j) {
      ASSERT_EQ(e.x.at(0, j), g::w4_x_rows[static_cast<Index>(r) * g::w4_d + j])
          << "row " << g::w4_rows[r] << ", feature " << j;
    }
  }
  Digest dx, dy;
  std::vector<float> x(static_cast<std::size_t>(g::w4_d)), y(1);
  int y_mismatches = 0;
  for (Index i = 0; i < g::w4_n; ++i) {
    ds.get(i, x, y);
    for (float v : x) dx.add(v);
    dy.add(y[0]);
    if (i < static_cast<Index>(std::size(g::w4_y_first)) && y[0] != g::w4_y_first[i]) {
      ++y_mismatches;
      ADD_FAILURE() << "y[" << i << "] = " << y[0] << ", numpy: " << g::w4_y_first[i];
    }
  }
  EXPECT_EQ(y_mismatches, 0);
  EXPECT_EQ(dx.value(), g::w4_x_digest);
  EXPECT_EQ(dy.value(), g::w4_y_digest);
  const std::vector<Index> perm = synthetic_permutation(g::w4_n, g::w4_seed);
  for (std::size_t i = 0; i < std::size(g::w4_perm_first); ++i)
    EXPECT_EQ(perm[i], g::w4_perm_first[i]);
}

TEST(Synthetic, PermutationPerEpoch) {
  const std::vector<Index> e0 = synthetic_permutation(50, 4, 0),
                           e3 = synthetic_permutation(50, 4, 3);
  ASSERT_EQ(e0.size(), 50u);
  for (std::size_t i = 0; i < 50; ++i) {
    EXPECT_EQ(e0[i], g::perm_small_e0[i]) << i;
    EXPECT_EQ(e3[i], g::perm_small_e3[i]) << i;
  }
  EXPECT_TRUE(synthetic_permutation(0, 1).empty());
}

TEST(Synthetic, LargeClassCountsComputeCentersOnTheFly) {
  // classes * features above the cache limit: the same values, computed per call.
  SyntheticClassification big(10, 4096, 2048, 5);
  SyntheticClassification ref(10, 4096, 2048, 5);
  for (Index i = 0; i < 10; ++i) {
    const Index c = big.label(i);
    Example e = big.get(i);
    for (Index j = 0; j < 4096; j += 511) {
      const float noise =
          2.0f * synthetic_unif01(5 * 16 + 3, static_cast<std::uint64_t>(i * 4096 + j)) - 1.0f;
      const float center =
          2.0f * synthetic_unif01(5 * 16 + 2, static_cast<std::uint64_t>(c * 4096 + j)) - 1.0f;
      EXPECT_EQ(e.x.at(0, j), noise + 0.5f * center);
      EXPECT_EQ(big.center(c, j), center);
    }
    EXPECT_EQ(e.x.to_vector(), ref.get(i).x.to_vector());
  }
}

TEST(Synthetic, SeedsAndNoiseChangeTheData) {
  SyntheticRegression a(4, 3, 1), b(4, 3, 2), quiet(4, 3, 1, 0.0);
  EXPECT_NE(a.get(0).x.to_vector(), b.get(0).x.to_vector());
  EXPECT_EQ(a.get(0).x.to_vector(), quiet.get(0).x.to_vector());
  EXPECT_NE(a.get(0).y.item(), quiet.get(0).y.item());
  double dot = 0;
  Example e = quiet.get(2);
  for (Index j = 0; j < 3; ++j)
    dot += static_cast<double>(e.x.at(0, j)) * quiet.true_weights()[static_cast<std::size_t>(j)];
  EXPECT_EQ(e.y.item(), static_cast<float>(dot));
}

TEST(SyntheticErrors, SizesAndIndices) {
  EXPECT_CONTAINS(error_of([] { SyntheticClassification(Index{1} << 30, 1 << 11, 10, 1); }),
                  "exceeds 2^40");
  EXPECT_CONTAINS(error_of([] { SyntheticRegression(-1, 3, 1); }), "must be >= 0");
  EXPECT_CONTAINS(error_of([] { SyntheticClassification(10, 3, 0, 1); }), "classes must be >= 1");
  SyntheticClassification ds(5, 3, 2, 1);
  std::vector<float> x(2), y(1), x3(3);
  EXPECT_CONTAINS(error_of([&] { ds.get(5, x3, y); }), "index 5 is out of range for 5 samples");
  EXPECT_CONTAINS(error_of([&] { ds.label(-1); }), "index -1 is out of range");
  EXPECT_CONTAINS(error_of([&] { ds.get(0, x, y); }), "buffers of 2 and 1");
  EXPECT_CONTAINS(error_of([] { SyntheticRegression(2, 2, 1, std::nan("")); }),
                  "noise must be finite");
}

}  // namespace
}  // namespace lockstep
