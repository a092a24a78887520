// Differentiable activations (relu, sigmoid, tanh, exp, log) and softmax / log_softmax: the
// forward kernel plus a recorded Node calling the backward kernel on the saved tensor.
#include "autograd/record.hpp"
#include "lockstep/autograd/functions.hpp"
#include "lockstep/tensor/ops/activation.hpp"
#include "lockstep/tensor/ops/softmax.hpp"

namespace lockstep {

using detail::checked;
using detail::finish;
using detail::Saved;

namespace {

using ForwardKernel = void (*)(Tensor&, const Tensor&);
using BackwardKernel = void (*)(Tensor&, const Tensor&, const Tensor&);

// One input, one saved tensor (the input or the output), one backward kernel.
class UnaryBackward final : public Node {
 public:
  UnaryBackward(const char* name, BackwardKernel kernel, Tensor saved)
      : name_(name), kernel_(kernel), saved_{{std::move(saved)}} {}
  const char* name() const override { return name_; }
  void apply(const Tensor& dout, std::vector<Tensor>& d) override {
    kernel_(d[0], dout, saved_.t[0]);
  }
  void release_saved() override { saved_.release(); }

 private:
  const char* name_;
  BackwardKernel kernel_;
  Saved<1> saved_;
};

enum class Save { Input, Output };

Var unary(const Var& a, const char* op, const char* node_name, ForwardKernel forward,
          BackwardKernel backward, Save save) {
  Tensor out = Tensor::empty(checked(a, op).shape());
  forward(out, a.value());
  // `out` is passed as a copy of the handle so the Node can still save it.
  return finish(out, {&a}, [&] {
    return detail::make_node<UnaryBackward>(node_name, backward,
                                            save == Save::Output ? out : a.value());
  });
}

}  // namespace

Var relu(const Var& a) {
  return unary(a, "relu", "ReluBackward", ops::relu_forward, ops::relu_backward, Save::Output);
}

Var sigmoid(const Var& a) {
  return unary(a, "sigmoid", "SigmoidBackward", ops::sigmoid_forward, ops::sigmoid_backward,
               Save::Output);
}

Var tanh(const Var& a) {
  return unary(a, "tanh", "TanhBackward", ops::tanh_forward, ops::tanh_backward, Save::Output);
}

Var exp(const Var& a) {
  return unary(a, "exp", "ExpBackward", ops::exp_forward, ops::exp_backward, Save::Output);
}

Var log(const Var& a) {
  return unary(a, "log", "LogBackward", ops::log_forward, ops::log_backward, Save::Input);
}

Var softmax(const Var& a) {
  return unary(a, "softmax", "SoftmaxBackward", ops::softmax_forward, ops::softmax_backward,
               Save::Output);
}

Var log_softmax(const Var& a) {
  return unary(a, "log_softmax", "LogSoftmaxBackward", ops::log_softmax_forward,
               ops::log_softmax_backward, Save::Output);
}

}  // namespace lockstep
