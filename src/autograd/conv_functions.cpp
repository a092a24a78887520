// Differentiable convolution and pooling: the forward kernel plus a recorded Node calling the
// backward kernel. Workspaces come from the pool (lockstep/core/pool.hpp), so a steady-state
// step takes nothing from the heap.
#include "lockstep/autograd/conv_functions.hpp"

#include "autograd/record.hpp"
#include "lockstep/autograd/node.hpp"

namespace lockstep {

using detail::checked;
using detail::finish;
using detail::Saved;

namespace {

class Conv2dBackward final : public Node {
 public:
  Conv2dBackward(Tensor x, Tensor w, const ops::Conv2dGeometry& g)
      : saved_{{std::move(x), std::move(w)}}, geometry_(g) {}
  const char* name() const override { return "ConvolutionBackward"; }
  void apply(const Tensor& dout, std::vector<Tensor>& d) override {
    Tensor none;
    Tensor workspace = Tensor::empty(ops::conv2d_backward_workspace_shape(geometry_));
    ops::conv2d_backward(d[0], d[1], d.size() > 2 ? d[2] : none, dout, saved_.t[0], saved_.t[1],
                         geometry_, workspace);
  }
  void release_saved() override { saved_.release(); }

 private:
  Saved<2> saved_;
  ops::Conv2dGeometry geometry_;
};

class MaxPool2dBackward final : public Node {
 public:
  MaxPool2dBackward(Tensor argmax, const ops::Pool2dGeometry& g)
      : saved_{{std::move(argmax)}}, geometry_(g) {}
  const char* name() const override { return "MaxPool2DBackward"; }
  void apply(const Tensor& dout, std::vector<Tensor>& d) override {
    ops::max_pool2d_backward(d[0], dout, saved_.t[0], geometry_);
  }
  void release_saved() override { saved_.release(); }

 private:
  Saved<1> saved_;
  ops::Pool2dGeometry geometry_;
};

class AvgPool2dBackward final : public Node {
 public:
  explicit AvgPool2dBackward(const ops::Pool2dGeometry& g) : geometry_(g) {}
  const char* name() const override { return "AvgPool2DBackward"; }
  void apply(const Tensor& dout, std::vector<Tensor>& d) override {
    ops::avg_pool2d_backward(d[0], dout, geometry_);
  }

 private:
  ops::Pool2dGeometry geometry_;
};

}  // namespace

Var conv2d(const Var& x, const Var& w, const Var& bias, const ops::Conv2dGeometry& geometry) {
  checked(x, "conv2d");
  checked(w, "conv2d");
  const Tensor* b = bias.defined() ? &bias.value() : nullptr;
  Tensor out = Tensor::empty(ops::conv2d_shape(x.shape(), w.shape(), b, geometry));
  {
    Tensor workspace = Tensor::empty(ops::conv2d_workspace_shape(geometry));
    ops::conv2d_forward(out, x.value(), w.value(), b, geometry, workspace);
  }
  return finish(std::move(out), {&x, &w, bias.defined() ? &bias : nullptr},
                [&] { return detail::make_node<Conv2dBackward>(x.value(), w.value(), geometry); });
}

Var max_pool2d(const Var& x, const ops::Pool2dGeometry& geometry) {
  checked(x, "max_pool2d");
  const Shape shape = ops::pool2d_shape(x.shape(), geometry);
  Tensor out = Tensor::empty(shape), argmax = Tensor::empty(shape);
  ops::max_pool2d_forward(out, argmax, x.value(), geometry);
  return finish(std::move(out), {&x},
                [&] { return detail::make_node<MaxPool2dBackward>(std::move(argmax), geometry); });
}

Var avg_pool2d(const Var& x, const ops::Pool2dGeometry& geometry) {
  checked(x, "avg_pool2d");
  Tensor out = Tensor::empty(ops::pool2d_shape(x.shape(), geometry));
  ops::avg_pool2d_forward(out, x.value(), geometry);
  return finish(std::move(out), {&x},
                [&] { return detail::make_node<AvgPool2dBackward>(geometry); });
}

}  // namespace lockstep
