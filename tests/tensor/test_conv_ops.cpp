// The convolution and pooling kernels' contracts: ties and NaN in max pooling as PyTorch's CPU
// kernel has them, workspaces and shapes checked, undefined gradients skipped, and results
// that depend on the rows alone (a row computed alone equals the same row in a batch).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "lockstep/tensor/ops/conv2d.hpp"
#include "lockstep/tensor/ops/pool2d.hpp"
#include "lockstep/tensor/random.hpp"
#include "support/error_of.hpp"

namespace lockstep {
namespace {

using testing::error_of;

TEST(MaxPool2dOps, TiesGoToTheFirstElementAndNaNIsTheMaximum) {
  const ops::Pool2dGeometry g{.input = {1, 2, 4}, .kernel = 2};
  const float nan = std::numeric_limits<float>::quiet_NaN();
  // Window 0: all 1s (a tie); window 1: a NaN among larger values.
  Tensor x = Tensor::from_rows({{1, 1, 5, nan, 1, 1, 7, 6}});
  Tensor out(1, 2), argmax(1, 2);
  ops::max_pool2d_forward(out, argmax, x, g);
  EXPECT_EQ(out(0, 0), 1.0f);
  EXPECT_EQ(argmax(0, 0), 0.0f);  // the first of the four equal values
  EXPECT_TRUE(std::isnan(out(0, 1)));
  EXPECT_EQ(argmax(0, 1), 3.0f);
  Tensor dx(1, 8);
  dx.fill_(42);  // the kernel writes every element
  ops::max_pool2d_backward(dx, Tensor::from_rows({{10, 20}}), argmax, g);
  EXPECT_EQ(dx.to_vector(), (std::vector<float>{10, 0, 0, 20, 0, 0, 0, 0}));
}

TEST(MaxPool2dOps, PaddingIsNeverTheMaximum) {
  const ops::Pool2dGeometry g{.input = {1, 2, 2}, .kernel = 2, .stride = 1, .padding = 1};
  Tensor x = Tensor::from_rows({{-4, -3, -2, -1}});
  Tensor out(1, 9), argmax(1, 9);
  ops::max_pool2d_forward(out, argmax, x, g);
  EXPECT_EQ(out.to_vector(), (std::vector<float>{-4, -3, -3, -2, -1, -1, -2, -1, -1}));
}

TEST(Conv2dOps, WorkspaceAndShapesAreChecked) {
  const ops::Conv2dGeometry g{.input = {2, 5, 5}, .out_channels = 3, .kernel = 3};
  Tensor x(4, 50), w(3, 18), b(1, 3), out(4, 27);
  Tensor small(1, 1);
  const std::string ws = error_of([&] { ops::conv2d_forward(out, x, w, &b, g, small); });
  EXPECT_NE(ws.find("workspace of shape [1, 1] is smaller than the [18, 9] it needs"),
            std::string::npos)
      << ws;
  Tensor bad_w(3, 9), workspace = Tensor::empty(ops::conv2d_workspace_shape(g));
  const std::string wshape =
      error_of([&] { ops::conv2d_forward(out, x, bad_w, &b, g, workspace); });
  EXPECT_NE(wshape.find("weight has shape [3, 9], expected [3, 18]"), std::string::npos) << wshape;
  EXPECT_EQ(ops::conv2d_backward_workspace_shape(g), (Shape{36, 9}));
}

TEST(Conv2dOps, BackwardSkipsUndefinedGradients) {
  const ops::Conv2dGeometry g{.input = {1, 4, 4}, .out_channels = 2, .kernel = 3};
  Generator gen(1);
  Tensor x = randn({2, 16}, gen), w = randn({2, 9}, gen), dout = randn({2, 8}, gen);
  Tensor ws = Tensor::empty(ops::conv2d_backward_workspace_shape(g));
  Tensor dx, dw(2, 9), db;
  ops::conv2d_backward(dx, dw, db, dout, x, w, g, ws);
  EXPECT_FALSE(dx.defined());
  EXPECT_FALSE(db.defined());
  // dw(o, k) = sum over samples and positions of dout * the input under tap k.
  double expected = 0;
  for (Index n = 0; n < 2; ++n)
    for (Index oh = 0; oh < 2; ++oh)
      for (Index ow = 0; ow < 2; ++ow) expected += dout(n, oh * 2 + ow) * x(n, oh * 4 + ow);
  EXPECT_NEAR(dw(0, 0), expected, 1e-5);
}

TEST(Conv2dOps, EachRowIsComputedAsIfAlone) {
  const ops::Conv2dGeometry g{.input = {3, 9, 9}, .out_channels = 16, .kernel = 3, .padding = 1};
  Generator gen(2);
  Tensor x = randn({5, 243}, gen), w = randn({16, 27}, gen), b = randn({1, 16}, gen);
  Tensor ws = Tensor::empty(ops::conv2d_workspace_shape(g));
  Tensor all(5, 16 * 81), one(1, 16 * 81);
  ops::conv2d_forward(all, x, w, &b, g, ws);
  ops::conv2d_forward(one, x.rows_view(3, 1), w, &b, g, ws);
  EXPECT_EQ(one.to_vector(), all.rows_view(3, 1).to_vector());
}

}  // namespace
}  // namespace lockstep
