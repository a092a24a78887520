#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "data/reader_test_util.hpp"
#include "lockstep/core/rng.hpp"
#include "lockstep/data/subset.hpp"
#include "lockstep/data/tensor_dataset.hpp"

namespace lockstep {
namespace {

using testing::error_of;

std::shared_ptr<TensorDataset> numbered(Index n) {
  Tensor x(n, 2), y(n, 1);
  for (Index i = 0; i < n; ++i) {
    x(i, 0) = static_cast<float>(i);
    x(i, 1) = static_cast<float>(-i);
    y(i, 0) = static_cast<float>(10 * i);
  }
  return std::make_shared<TensorDataset>(x, y);
}

TEST(Subset, MapsIndices) {
  auto ds = numbered(10);
  Subset s(ds, {7, 2, 2});
  EXPECT_EQ(s.size(), 3);
  EXPECT_EQ(s.feature_dim(), 2);
  EXPECT_EQ(s.target_dim(), 1);
  EXPECT_EQ(s.get(0).x.to_vector(), (std::vector<float>{7, -7}));
  EXPECT_EQ(s.get(1).y.item(), 20.0f);
  EXPECT_EQ(s.get(2).y.item(), 20.0f);
  EXPECT_THROW(s.get(3), Error);
  // A subset of a subset.
  auto inner = std::make_shared<Subset>(ds, std::vector<Index>{9, 8, 7});
  Subset outer(inner, {2});
  EXPECT_EQ(outer.get(0).y.item(), 70.0f);
}

TEST(Subset, GetBatchMapsIndicesThroughTheUnderlyingBulkCopy) {
  auto ds = numbered(10);
  auto inner = std::make_shared<Subset>(ds, std::vector<Index>{9, 8, 7, 6});
  Subset outer(inner, {3, 0, 0, 2});
  const std::vector<Index> idx{0, 3, 1, 1};
  Tensor x = Tensor::full({4, 2}, std::nanf("")), y = Tensor::full({4, 1}, std::nanf(""));
  outer.get_batch(idx, x, y);
  for (std::size_t r = 0; r < idx.size(); ++r) {
    const Example e = outer.get(idx[r]);
    EXPECT_EQ(x(Index(r), 0), e.x(0, 0)) << r;
    EXPECT_EQ(x(Index(r), 1), e.x(0, 1)) << r;
    EXPECT_EQ(y(Index(r), 0), e.y(0, 0)) << r;
  }
  EXPECT_EQ(y(1, 0), 70.0f);  // outer 3 -> inner 2 -> dataset 7
}

TEST(Subset, GetBatchNamesAFailingSampleByItsSubsetIndex) {
  auto ds = numbered(10);
  Subset s(ds, {5, 6});
  Tensor x(2, 2), y(2, 1);
  const std::vector<Index> bad{1, 2};
  try {
    s.get_batch(bad, x, y);
    ADD_FAILURE() << "no error for subset index 2 of 2";
  } catch (const SampleError& e) {
    EXPECT_EQ(e.index(), 2);
    EXPECT_CONTAINS(std::string(e.what()), "index 2 is out of range for a subset of 2 samples");
  }
}

// A dataset whose sample 7 cannot be read.
class BrokenAtSeven : public Dataset {
 public:
  Index size() const override { return 10; }
  Index feature_dim() const override { return 1; }
  Index target_dim() const override { return 1; }
  void get(Index i, std::span<float> x, std::span<float> y) const override {
    if (i == 7) throw Error("disk read failed");
    x[0] = y[0] = float(i);
  }
};

TEST(Subset, GetBatchNamesAnUnderlyingFailureByTheSubsetIndex) {
  Subset s(std::make_shared<BrokenAtSeven>(), {3, 7});
  Tensor x(2, 1), y(2, 1);
  const std::vector<Index> idx{0, 1};
  try {
    s.get_batch(idx, x, y);
    ADD_FAILURE() << "no error for the unreadable sample";
  } catch (const SampleError& e) {
    EXPECT_EQ(e.index(), 1);
    const std::string what = e.what();
    EXPECT_CONTAINS(what, "Subset: sample 1 (sample 7 of the underlying dataset)");
    EXPECT_CONTAINS(what, "disk read failed");
  }
}

TEST(Subset, IndexOutOfRangeIsAnError) {
  auto ds = numbered(4);
  EXPECT_CONTAINS(error_of([&] {
                    Subset(ds, {0, 4});
                  }),
                  "indices[1] = 4 is out of range for a dataset of 4 samples");
  EXPECT_CONTAINS(error_of([&] { Subset(ds, {-1}); }), "indices[0] = -1");
}

TEST(RandomSplit, LengthsPartitionTheDataset) {
  auto ds = numbered(150);
  auto parts = random_split(ds, {100, 50}, 1);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0]->size(), 100);
  EXPECT_EQ(parts[1]->size(), 50);
  std::vector<Index> all = parts[0]->indices();
  all.insert(all.end(), parts[1]->indices().begin(), parts[1]->indices().end());
  std::vector<Index> sorted = all;
  std::sort(sorted.begin(), sorted.end());
  std::vector<Index> expected(150);
  std::iota(expected.begin(), expected.end(), Index{0});
  EXPECT_EQ(sorted, expected);
  EXPECT_NE(all, expected);  // shuffled
  // The split is Generator(seed).permutation(n) cut in order.
  EXPECT_EQ(all, Generator(1).permutation(150));
  // Sample j of a part is the dataset's sample indices[j].
  EXPECT_EQ(parts[1]->get(0).y.item(), 10.0f * static_cast<float>(parts[1]->indices()[0]));
}

TEST(RandomSplit, SeededAndReproducible) {
  auto ds = numbered(30);
  auto a = random_split(ds, {10, 20}, 7), b = random_split(ds, {10, 20}, 7),
       c = random_split(ds, {10, 20}, 8);
  EXPECT_EQ(a[0]->indices(), b[0]->indices());
  EXPECT_NE(a[0]->indices(), c[0]->indices());
  std::vector<Index> lengths{5, 0, 25};
  auto d = random_split(ds, std::span<const Index>(lengths), 7);
  EXPECT_EQ(d[1]->size(), 0);
}

TEST(RandomSplit, FractionsRoundLikePyTorch) {
  auto ds = numbered(10);
  auto parts = random_split(ds, {0.8, 0.2}, 3);
  EXPECT_EQ(parts[0]->size(), 8);
  EXPECT_EQ(parts[1]->size(), 2);
  // floor(10/3) = 3 each, the one left over goes to the first.
  EXPECT_EQ(split_lengths(10, std::vector<double>{1.0 / 3, 1.0 / 3, 1.0 / 3}),
            (std::vector<Index>{4, 3, 3}));
  // 0.25 * 11 = 2.75 each → 2, 2, 2, 2, and 3 left over, round-robin.
  EXPECT_EQ(split_lengths(11, std::vector<double>{0.25, 0.25, 0.25, 0.25}),
            (std::vector<Index>{3, 3, 3, 2}));
  std::vector<double> fractions{0.5, 0.5};
  EXPECT_EQ(random_split(ds, std::span<const double>(fractions), 3)[0]->size(), 5);
}

TEST(RandomSplit, BadLengthsShowSumAndSize) {
  auto ds = numbered(150);
  const std::string msg = error_of([&] { random_split(ds, {100, 40}, 1); });
  EXPECT_CONTAINS(msg, "lengths [100, 40] sum to 140, but the dataset has 150 samples");
  EXPECT_CONTAINS(error_of([&] { random_split(ds, {160, -10}, 1); }), "negative length");
  EXPECT_CONTAINS(error_of([&] {
                    random_split(ds, {0.5, 0.4}, 1);
                  }),
                  "fractions [0.5, 0.4] sum to 0.9, not 1 (the dataset has 150 samples)");
  EXPECT_CONTAINS(error_of([&] { random_split(ds, {1.5, -0.5}, 1); }), "must each lie in [0, 1]");
  EXPECT_CONTAINS(error_of([] { random_split(nullptr, {1}, 1); }), "null");
}

}  // namespace
}  // namespace lockstep
