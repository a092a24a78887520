// Differentiable operations: forward kernel + a recorded Node calling the backward kernel.
#include "lockstep/autograd/functions.hpp"

#include "autograd/record.hpp"
#include "lockstep/autograd/node.hpp"
#include "lockstep/core/error.hpp"
#include "lockstep/tensor/ops/elementwise.hpp"
#include "lockstep/tensor/ops/matmul.hpp"
#include "lockstep/tensor/ops/reduce.hpp"

namespace lockstep {

using detail::checked;
using detail::finish;
using detail::Saved;

namespace {

class MatmulBackward final : public Node {
 public:
  MatmulBackward(Tensor a, Tensor b) : saved_{{std::move(a), std::move(b)}} {}
  const char* name() const override { return "MatmulBackward"; }
  void apply(const Tensor& dout, std::vector<Tensor>& d) override {
    ops::matmul_backward(d[0], d[1], dout, saved_.t[0], saved_.t[1]);
  }
  void release_saved() override { saved_.release(); }

 private:
  Saved<2> saved_;
};

class LinearBackward final : public Node {
 public:
  LinearBackward(Tensor x, Tensor w) : saved_{{std::move(x), std::move(w)}} {}
  const char* name() const override { return "LinearBackward"; }
  void apply(const Tensor& dout, std::vector<Tensor>& d) override {
    Tensor none;
    ops::linear_backward(d[0], d[1], d.size() > 2 ? d[2] : none, dout, saved_.t[0], saved_.t[1]);
  }
  void release_saved() override { saved_.release(); }

 private:
  Saved<2> saved_;
};

class AddBackward final : public Node {
 public:
  const char* name() const override { return "AddBackward"; }
  void apply(const Tensor& dout, std::vector<Tensor>& d) override {
    ops::add_backward(d[0], d[1], dout);
  }
};

class SubBackward final : public Node {
 public:
  const char* name() const override { return "SubBackward"; }
  void apply(const Tensor& dout, std::vector<Tensor>& d) override {
    ops::sub_backward(d[0], d[1], dout);
  }
};

class MulBackward final : public Node {
 public:
  MulBackward(Tensor a, Tensor b) : saved_{{std::move(a), std::move(b)}} {}
  const char* name() const override { return "MulBackward"; }
  void apply(const Tensor& dout, std::vector<Tensor>& d) override {
    ops::mul_backward(d[0], d[1], dout, saved_.t[0], saved_.t[1]);
  }
  void release_saved() override { saved_.release(); }

 private:
  Saved<2> saved_;
};

class ScaleBackward final : public Node {
 public:
  explicit ScaleBackward(float factor, const char* name) : factor_(factor), name_(name) {}
  const char* name() const override { return name_; }
  void apply(const Tensor& dout, std::vector<Tensor>& d) override {
    ops::scale_backward(d[0], dout, factor_);
  }

 private:
  float factor_;
  const char* name_;
};

class PowBackward final : public Node {
 public:
  PowBackward(Tensor a, float exponent) : saved_{{std::move(a)}}, exponent_(exponent) {}
  const char* name() const override { return "PowBackward"; }
  void apply(const Tensor& dout, std::vector<Tensor>& d) override {
    ops::pow_backward(d[0], dout, saved_.t[0], exponent_);
  }
  void release_saved() override { saved_.release(); }

 private:
  Saved<1> saved_;
  float exponent_;
};

class SumBackward final : public Node {
 public:
  const char* name() const override { return "SumBackward"; }
  void apply(const Tensor& dout, std::vector<Tensor>& d) override { ops::sum_backward(d[0], dout); }
};

class MeanBackward final : public Node {
 public:
  const char* name() const override { return "MeanBackward"; }
  void apply(const Tensor& dout, std::vector<Tensor>& d) override {
    ops::mean_backward(d[0], dout);
  }
};

}  // namespace

Var matmul(const Var& a, const Var& b) {
  checked(a, "matmul");
  checked(b, "matmul");
  Tensor out = Tensor::empty(ops::matmul_shape(a.shape(), b.shape()));
  ops::matmul_forward(out, a.value(), b.value());
  return finish(std::move(out), {&a, &b},
                [&] { return detail::make_node<MatmulBackward>(a.value(), b.value()); });
}

Var linear(const Var& x, const Var& w, const Var& bias) {
  checked(x, "linear");
  checked(w, "linear");
  const Tensor* b = bias.defined() ? &bias.value() : nullptr;
  Tensor out = Tensor::empty(ops::linear_shape(x.shape(), w.shape(), b));
  ops::linear_forward(out, x.value(), w.value(), b);
  return finish(std::move(out), {&x, &w, bias.defined() ? &bias : nullptr},
                [&] { return detail::make_node<LinearBackward>(x.value(), w.value()); });
}

Var add(const Var& a, const Var& b) {
  Tensor out = Tensor::empty(
      ops::broadcast_shape(checked(a, "add").shape(), checked(b, "add").shape(), "add"));
  ops::add_forward(out, a.value(), b.value());
  return finish(std::move(out), {&a, &b}, [] { return detail::make_node<AddBackward>(); });
}

Var sub(const Var& a, const Var& b) {
  Tensor out = Tensor::empty(
      ops::broadcast_shape(checked(a, "sub").shape(), checked(b, "sub").shape(), "sub"));
  ops::sub_forward(out, a.value(), b.value());
  return finish(std::move(out), {&a, &b}, [] { return detail::make_node<SubBackward>(); });
}

Var mul(const Var& a, const Var& b) {
  Tensor out = Tensor::empty(
      ops::broadcast_shape(checked(a, "mul").shape(), checked(b, "mul").shape(), "mul"));
  ops::mul_forward(out, a.value(), b.value());
  return finish(std::move(out), {&a, &b},
                [&] { return detail::make_node<MulBackward>(a.value(), b.value()); });
}

Var mul(const Var& a, float factor) {
  Tensor out = Tensor::empty(checked(a, "mul").shape());
  ops::scale_forward(out, a.value(), factor);
  return finish(std::move(out), {&a},
                [&] { return detail::make_node<ScaleBackward>(factor, "MulBackward"); });
}

Var neg(const Var& a) {
  Tensor out = Tensor::empty(checked(a, "neg").shape());
  ops::scale_forward(out, a.value(), -1.0f);
  return finish(std::move(out), {&a},
                [] { return detail::make_node<ScaleBackward>(-1.0f, "NegBackward"); });
}

Var pow(const Var& a, float exponent) {
  Tensor out = Tensor::empty(checked(a, "pow").shape());
  ops::pow_forward(out, a.value(), exponent);
  return finish(std::move(out), {&a},
                [&] { return detail::make_node<PowBackward>(a.value(), exponent); });
}

Var sum(const Var& a) {
  checked(a, "sum");
  Tensor out = Tensor::empty(Shape{1, 1});
  ops::sum_forward(out, a.value());
  return finish(std::move(out), {&a}, [] { return detail::make_node<SumBackward>(); });
}

Var mean(const Var& a) {
  checked(a, "mean");
  Tensor out = Tensor::empty(Shape{1, 1});
  ops::mean_forward(out, a.value());
  return finish(std::move(out), {&a}, [] { return detail::make_node<MeanBackward>(); });
}

}  // namespace lockstep
