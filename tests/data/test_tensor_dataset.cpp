#include <gtest/gtest.h>

#include "lockstep/core/error.hpp"
#include "lockstep/data/tensor_dataset.hpp"

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

}  // namespace
}  // namespace lockstep
