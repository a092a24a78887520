#include <gtest/gtest.h>

#include <sstream>

#include "lockstep/core/error.hpp"
#include "lockstep/tensor/random.hpp"
#include "lockstep/tensor/tensor.hpp"

namespace lockstep {

TEST(Tensor, ConstructionIsZeroFilledAndAligned) {
  Tensor t(3, 5);
  EXPECT_EQ(t.shape(), (Shape{3, 5}));
  EXPECT_EQ(t.numel(), 15);
  for (float v : t.span()) EXPECT_EQ(v, 0.0f);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(t.data()) % 64, 0u);
  EXPECT_TRUE(t.defined());
  EXPECT_FALSE(Tensor().defined());
}

TEST(Tensor, FromArraysVectorsAndEigen) {
  const float raw[] = {1, 2, 3, 4, 5, 6};
  Tensor a = Tensor::from_data(raw, {2, 3});
  EXPECT_EQ(a(1, 0), 4.0f);
  std::vector<float> v{1, 2, 3, 4, 5, 6};
  Tensor b = Tensor::from_vector(v, {3, 2});
  EXPECT_EQ(b(2, 1), 6.0f);
  Eigen::MatrixXf m(2, 2);  // column-major on purpose
  m << 1, 2, 3, 4;
  Tensor c = Tensor::from_eigen(m);
  EXPECT_EQ(c(0, 1), 2.0f);
  EXPECT_EQ(c(1, 0), 3.0f);
  Tensor d = Tensor::from_rows({{1, 2}, {3, 4}});
  EXPECT_EQ(d.to_vector(), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(Tensor::column(v).shape(), (Shape{6, 1}));
  EXPECT_EQ(Tensor::row(v).shape(), (Shape{1, 6}));
}

TEST(Tensor, ShapeErrorsNameTheShapes) {
  std::vector<float> v{1, 2, 3};
  try {
    Tensor::from_vector(v, {2, 2});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[2, 2]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Tensor::from_rows({{1, 2}, {3}}), Error);
  Tensor a(2, 2), b(2, 3);
  try {
    a.add_(b);
    FAIL();
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("[2, 2]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[2, 3]"), std::string::npos) << msg;
  }
  EXPECT_THROW(a.at(2, 0), Error);
  EXPECT_THROW(a.item(), Error);
  EXPECT_THROW(a.reshape({3, 1}), Error);
}

TEST(Tensor, HandlesShareAndCloneCopies) {
  Tensor a = Tensor::from_rows({{1, 2}, {3, 4}});
  Tensor alias = a;
  Tensor copy = a.clone();
  a(0, 0) = 9;
  EXPECT_EQ(alias(0, 0), 9.0f);
  EXPECT_EQ(copy(0, 0), 1.0f);
  EXPECT_TRUE(alias.shares_storage_with(a));
  EXPECT_FALSE(copy.shares_storage_with(a));
}

TEST(Tensor, RowsViewSharesStorage) {
  Tensor a = Tensor::from_rows({{1, 2}, {3, 4}, {5, 6}});
  Tensor mid = a.rows_view(1, 2);
  EXPECT_EQ(mid.shape(), (Shape{2, 2}));
  EXPECT_EQ(mid(0, 0), 3.0f);
  mid(1, 1) = 60;
  EXPECT_EQ(a(2, 1), 60.0f);
  EXPECT_THROW(a.rows_view(2, 2), Error);
}

TEST(Tensor, ViewKeepsOwnerAlive) {
  auto buffer = allocate_floats(8);
  Tensor v = Tensor::view(buffer, buffer.get() + 4, {2, 2});
  std::weak_ptr<float> watch = buffer;
  buffer.reset();
  EXPECT_FALSE(watch.expired());
  v.fill_(2.0f);
  EXPECT_EQ(v(1, 1), 2.0f);
  v = Tensor();
  EXPECT_TRUE(watch.expired());
}

TEST(Tensor, InPlaceOps) {
  Tensor a = Tensor::from_rows({{1, 2}});
  Tensor b = Tensor::from_rows({{10, 20}});
  a.add_(b, 0.5f);
  EXPECT_EQ(a.to_vector(), (std::vector<float>{6, 12}));
  a.mul_(2);
  EXPECT_EQ(a.to_vector(), (std::vector<float>{12, 24}));
  a.copy_(b);
  EXPECT_EQ(a.to_vector(), b.to_vector());
  a.zero_();
  EXPECT_EQ(a.to_vector(), (std::vector<float>{0, 0}));
}

TEST(Tensor, PrintsShapeAndValues) {
  std::ostringstream s;
  s << Tensor::from_rows({{1, 2}});
  EXPECT_EQ(s.str(), "Tensor[1, 2] [[1, 2]]");
}

TEST(Random, SameGeneratorSeedSameTensor) {
  Generator g1(4), g2(4);
  EXPECT_EQ(randn({3, 3}, g1).to_vector(), randn({3, 3}, g2).to_vector());
  Tensor u = uniform({100, 1}, -2.0f, -1.0f, g1);
  for (float v : u.span()) {
    EXPECT_GE(v, -2.0f);
    EXPECT_LT(v, -1.0f);
  }
}

}  // namespace lockstep
