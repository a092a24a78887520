// Differentiable division, transpose, reductions along an axis and gather: the forward kernel
// plus a recorded Node calling the backward kernel.
#include "autograd/record.hpp"
#include "lockstep/autograd/functions.hpp"
#include "lockstep/tensor/ops/elementwise.hpp"
#include "lockstep/tensor/ops/gather.hpp"
#include "lockstep/tensor/ops/reduce.hpp"
#include "lockstep/tensor/ops/transpose.hpp"

namespace lockstep {

using detail::checked;
using detail::finish;
using detail::Saved;

namespace {

class DivBackward final : public Node {
 public:
  DivBackward(Tensor a, Tensor b) : saved_{{std::move(a), std::move(b)}} {}
  const char* name() const override { return "DivBackward"; }
  void apply(const Tensor& dout, std::vector<Tensor>& d) override {
    ops::div_backward(d[0], d[1], dout, saved_.t[0], saved_.t[1]);
  }
  void release_saved() override { saved_.release(); }

 private:
  Saved<2> saved_;
};

class TransposeBackward final : public Node {
 public:
  const char* name() const override { return "TransposeBackward"; }
  void apply(const Tensor& dout, std::vector<Tensor>& d) override {
    ops::transpose_backward(d[0], dout);
  }
};

class AxisSumBackward final : public Node {
 public:
  explicit AxisSumBackward(int axis) : axis_(axis) {}
  const char* name() const override { return "SumBackward"; }
  void apply(const Tensor& dout, std::vector<Tensor>& d) override {
    ops::sum_backward(d[0], dout, axis_);
  }

 private:
  int axis_;
};

class AxisMeanBackward final : public Node {
 public:
  explicit AxisMeanBackward(int axis) : axis_(axis) {}
  const char* name() const override { return "MeanBackward"; }
  void apply(const Tensor& dout, std::vector<Tensor>& d) override {
    ops::mean_backward(d[0], dout, axis_);
  }

 private:
  int axis_;
};

class GatherBackward final : public Node {
 public:
  explicit GatherBackward(Tensor index) : saved_{{std::move(index)}} {}
  const char* name() const override { return "GatherBackward"; }
  void apply(const Tensor& dout, std::vector<Tensor>& d) override {
    ops::gather_backward(d[0], dout, saved_.t[0]);
  }
  void release_saved() override { saved_.release(); }

 private:
  Saved<1> saved_;
};

}  // namespace

Var div(const Var& a, const Var& b) {
  Tensor out = Tensor::empty(
      ops::broadcast_shape(checked(a, "div").shape(), checked(b, "div").shape(), "div"));
  ops::div_forward(out, a.value(), b.value());
  return finish(std::move(out), {&a, &b},
                [&] { return detail::make_node<DivBackward>(a.value(), b.value()); });
}

Var div(const Var& a, float divisor) { return div(a, Var(Tensor::scalar(divisor))); }

Var transpose(const Var& a) {
  Tensor out = Tensor::empty(ops::transpose_shape(checked(a, "transpose").shape()));
  ops::transpose_forward(out, a.value());
  return finish(std::move(out), {&a}, [] { return detail::make_node<TransposeBackward>(); });
}

Var sum(const Var& a, int axis) {
  Tensor out = Tensor::empty(ops::axis_reduce_shape(checked(a, "sum").shape(), axis, "sum"));
  ops::sum_forward(out, a.value(), axis);
  return finish(std::move(out), {&a}, [&] { return detail::make_node<AxisSumBackward>(axis); });
}

Var mean(const Var& a, int axis) {
  Tensor out = Tensor::empty(ops::axis_reduce_shape(checked(a, "mean").shape(), axis, "mean"));
  ops::mean_forward(out, a.value(), axis);
  return finish(std::move(out), {&a}, [&] { return detail::make_node<AxisMeanBackward>(axis); });
}

Var gather(const Var& a, const Var& index) {
  checked(a, "gather");
  checked(index, "gather");
  LOCKSTEP_CHECK(!index.requires_grad(),
                 "gather: the index must not require grad (class indices are not differentiable)");
  Tensor out = Tensor::empty(ops::gather_shape(a.shape(), index.shape()));
  ops::gather_forward(out, a.value(), index.value());
  return finish(std::move(out), {&a},
                [&] { return detail::make_node<GatherBackward>(index.value()); });
}

}  // namespace lockstep
