#include <gtest/gtest.h>

#include <cmath>
#include <exception>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "lockstep/core/error.hpp"
#include "lockstep/core/rng.hpp"
#include "lockstep/data/tensor_dataset.hpp"
#include "lockstep/tensor/random.hpp"
#include "support/error_of.hpp"

namespace lockstep {
namespace {

TEST(TensorDataset, GetReturnsMatchingRows) {
  TensorDataset ds(Tensor::from_rows({{1, 2}, {3, 4}, {5, 6}}),
                   Tensor::column(std::vector<float>{7, 8, 9}));
  EXPECT_EQ(ds.size(), 3);
  EXPECT_EQ(ds.feature_dim(), 2);
  EXPECT_EQ(ds.target_dim(), 1);
  Example e = ds.get(1);
  EXPECT_EQ(e.x.to_vector(), (std::vector<float>{3, 4}));
  EXPECT_EQ(e.y.to_vector(), (std::vector<float>{8}));
}

TEST(TensorDataset, RowCountMismatchNamesBothShapes) {
  try {
    TensorDataset(Tensor(10, 2), Tensor(9, 1));
    FAIL();
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("[10, 2]"), std::string::npos) << m;
    EXPECT_NE(m.find("[9, 1]"), std::string::npos) << m;
  }
}

TEST(TensorDataset, OutOfRangeIndexIsAnError) {
  TensorDataset ds(Tensor(2, 1), Tensor(2, 1));
  EXPECT_THROW(ds.get(2), Error);
  EXPECT_THROW(ds.get(-1), Error);
}

// Rows of x and y as the per-sample get() writes them, one after another.
std::vector<float> rows_by_get(const Dataset& ds, const std::vector<Index>& indices, bool targets) {
  std::vector<float> out;
  for (const Index i : indices) {
    const Example e = ds.get(i);
    const Tensor& t = targets ? e.y : e.x;
    out.insert(out.end(), t.data(), t.data() + t.numel());
  }
  return out;
}

// x and y for a batch of n, filled with NaN so that a row left unwritten shows.
std::pair<Tensor, Tensor> poisoned_batch(const Dataset& ds, Index n) {
  Tensor x(n, ds.feature_dim()), y(n, ds.target_dim());
  x.fill_(std::numeric_limits<float>::quiet_NaN());
  y.fill_(std::numeric_limits<float>::quiet_NaN());
  return {x, y};
}

TEST(TensorDataset, GetBatchEqualsPerSampleGet) {
  Generator gen(7);
  // 37 floats a row: rows start at every offset within a cache line.
  const TensorDataset ds(rand({300, 37}, gen), rand({300, 3}, gen));
  std::vector<std::vector<Index>> batches = {
      {5},                   // a batch of one
      {299, 0, 299, 0, 17},  // repeated indices, both ends
      {},                    // an empty batch
  };
  std::vector<Index> random;
  for (int k = 0; k < 500; ++k) random.push_back(Index(gen.below(300)));  // repeats, too
  batches.push_back(random);
  for (const auto& indices : batches) {
    SCOPED_TRACE(indices.size());
    auto [x, y] = poisoned_batch(ds, Index(indices.size()));
    ds.get_batch(indices, x, y);
    EXPECT_EQ(x.to_vector(), rows_by_get(ds, indices, false));
    EXPECT_EQ(y.to_vector(), rows_by_get(ds, indices, true));
  }
}

TEST(TensorDataset, GetBatchOutOfRangeNamesIndexAndSizeAndCopiesNothing) {
  const TensorDataset ds(Tensor::from_rows({{1, 2}, {3, 4}, {5, 6}, {7, 8}, {9, 10}}),
                         Tensor::column(std::vector<float>{1, 2, 3, 4, 5}));
  for (const Index bad : {Index(5), Index(-1), Index(1000)}) {
    SCOPED_TRACE(bad);
    const std::vector<Index> indices = {0, 1, bad, 2};  // the bad index is not the first
    auto [x, y] = poisoned_batch(ds, 4);
    try {
      ds.get_batch(indices, x, y);
      FAIL() << "no error";
    } catch (const SampleError& e) {
      EXPECT_EQ(e.index(), bad);
      EXPECT_NE(std::string(e.what()).find("index " + std::to_string(bad) +
                                           " is out of range for 5 samples"),
                std::string::npos)
          << e.what();
    }
    // Every index is checked before any row is copied.
    for (const float v : x.to_vector()) EXPECT_TRUE(std::isnan(v));
    for (const float v : y.to_vector()) EXPECT_TRUE(std::isnan(v));
  }
}

TEST(TensorDataset, GetBatchChecksTheBufferShapes) {
  const TensorDataset ds(Tensor(4, 3), Tensor(4, 1));
  const std::vector<Index> indices = {0, 1};
  Tensor x(2, 2), y(2, 1);
  const std::string m = testing::error_of([&] { ds.get_batch(indices, x, y); });
  EXPECT_NE(m.find("x of shape [2, 2]"), std::string::npos) << m;
  EXPECT_NE(m.find("for 2 samples of 3 and 1 floats"), std::string::npos) << m;
  Tensor x3(3, 3);
  EXPECT_THROW(ds.get_batch(indices, x3, y), Error);
}

// A dataset without its own get_batch: sample i is {i, i + 0.5}, target {-i}; get() fails on
// `fail_at`.
class Halves : public Dataset {
 public:
  Index size() const override { return 10; }
  Index feature_dim() const override { return 2; }
  Index target_dim() const override { return 1; }
  void get(Index i, std::span<float> x, std::span<float> y) const override {
    if (i == fail_at) throw std::invalid_argument("cannot read sample " + std::to_string(i));
    x[0] = float(i);
    x[1] = float(i) + 0.5f;
    y[0] = -float(i);
  }
  Index fail_at = -1;
};

TEST(Dataset, DefaultGetBatchCallsGetPerSample) {
  Halves ds;
  const std::vector<Index> indices = {3, 9, 3, 0};
  auto [x, y] = poisoned_batch(ds, 4);
  ds.get_batch(indices, x, y);
  EXPECT_EQ(x.to_vector(), (std::vector<float>{3, 3.5f, 9, 9.5f, 3, 3.5f, 0, 0.5f}));
  EXPECT_EQ(y.to_vector(), (std::vector<float>{-3, -9, -3, -0}));
  EXPECT_EQ(x.to_vector(), rows_by_get(ds, indices, false));

  const std::vector<Index> one = {4};
  auto [x1, y1] = poisoned_batch(ds, 1);
  ds.get_batch(one, x1, y1);
  EXPECT_EQ(x1.to_vector(), (std::vector<float>{4, 4.5f}));
  EXPECT_EQ(y1.to_vector(), (std::vector<float>{-4}));

  Tensor wrong(3, 2);
  EXPECT_NE(testing::error_of([&] {
              ds.get_batch(indices, wrong, y);
            }).find("Dataset::get_batch: x of shape [3, 2]"),
            std::string::npos);
}

TEST(Dataset, DefaultGetBatchNamesTheFailingSampleAndNestsItsError) {
  Halves ds;
  ds.fail_at = 6;
  const std::vector<Index> indices = {1, 2, 6, 7};
  auto [x, y] = poisoned_batch(ds, 4);
  try {
    ds.get_batch(indices, x, y);
    FAIL() << "no error";
  } catch (const SampleError& e) {
    EXPECT_EQ(e.index(), 6);
    const std::string m = e.what();
    EXPECT_NE(m.find("sample 6 (row 2 of 4)"), std::string::npos) << m;
    EXPECT_NE(m.find("cannot read sample 6"), std::string::npos) << m;
    try {
      std::rethrow_if_nested(e);
      FAIL() << "the sample's error is not nested";
    } catch (const std::invalid_argument& inner) {
      EXPECT_STREQ(inner.what(), "cannot read sample 6");
    }
  }
}

}  // namespace
}  // namespace lockstep
