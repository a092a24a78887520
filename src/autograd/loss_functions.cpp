// Differentiable losses: cross_entropy, nll_loss, bce_with_logits and l1_loss, each its forward
// kernel plus a recorded Node calling the backward kernel.
#include "autograd/record.hpp"
#include "lockstep/autograd/functions.hpp"
#include "lockstep/tensor/ops/bce_with_logits.hpp"
#include "lockstep/tensor/ops/cross_entropy.hpp"
#include "lockstep/tensor/ops/l1.hpp"
#include "lockstep/tensor/ops/mse.hpp"
#include "lockstep/tensor/ops/nll.hpp"

namespace lockstep {

using detail::checked;
using detail::finish;
using detail::Saved;

namespace {

const Tensor* optional(const Tensor& t) { return t.defined() ? &t : nullptr; }

void check_no_grad_target(const Var& target, const char* op) {
  LOCKSTEP_CHECK(!target.requires_grad(), op,
                 ": the target holds class indices and must not require grad");
}

// Saved: logits (or log-probabilities), target, weight (possibly undefined).
class CrossEntropyBackward final : public Node {
 public:
  CrossEntropyBackward(Tensor logits, Tensor target, Tensor weight, float label_smoothing,
                       Reduction r)
      : saved_{{std::move(logits), std::move(target), std::move(weight)}},
        label_smoothing_(label_smoothing),
        reduction_(r) {}
  const char* name() const override { return "CrossEntropyLossBackward"; }
  void apply(const Tensor& dout, std::vector<Tensor>& d) override {
    ops::cross_entropy_backward(d[0], dout, saved_.t[0], saved_.t[1], optional(saved_.t[2]),
                                label_smoothing_, reduction_);
  }
  void release_saved() override { saved_.release(); }

 private:
  Saved<3> saved_;
  float label_smoothing_;
  Reduction reduction_;
};

class NllBackward final : public Node {
 public:
  NllBackward(Tensor input, Tensor target, Tensor weight, Reduction r)
      : saved_{{std::move(input), std::move(target), std::move(weight)}}, reduction_(r) {}
  const char* name() const override { return "NllLossBackward"; }
  void apply(const Tensor& dout, std::vector<Tensor>& d) override {
    ops::nll_backward(d[0], dout, saved_.t[0], saved_.t[1], optional(saved_.t[2]), reduction_);
  }
  void release_saved() override { saved_.release(); }

 private:
  Saved<3> saved_;
  Reduction reduction_;
};

// The element-wise losses (MSE, L1, BCE with logits) take (input, target) and differentiate both.
template <auto Kernel>
class PairBackward final : public Node {
 public:
  PairBackward(const char* name, Tensor input, Tensor target, Reduction r)
      : name_(name), saved_{{std::move(input), std::move(target)}}, reduction_(r) {}
  const char* name() const override { return name_; }
  void apply(const Tensor& dout, std::vector<Tensor>& d) override {
    Kernel(d[0], d[1], dout, saved_.t[0], saved_.t[1], reduction_);
  }
  void release_saved() override { saved_.release(); }

 private:
  const char* name_;
  Saved<2> saved_;
  Reduction reduction_;
};

}  // namespace

Var cross_entropy(const Var& logits, const Var& target, const CrossEntropyOptions& options) {
  checked(logits, "cross_entropy");
  checked(target, "cross_entropy");
  check_no_grad_target(target, "cross_entropy");
  const Tensor* weight = optional(options.weight);
  Tensor out =
      Tensor::empty(ops::cross_entropy_shape(logits.shape(), target.shape(), options.reduction));
  ops::cross_entropy_forward(out, logits.value(), target.value(), weight, options.label_smoothing,
                             options.reduction);
  return finish(std::move(out), {&logits}, [&] {
    return detail::make_node<CrossEntropyBackward>(logits.value(), target.value(), options.weight,
                                                   options.label_smoothing, options.reduction);
  });
}

Var nll_loss(const Var& log_probs, const Var& target, const NLLLossOptions& options) {
  checked(log_probs, "nll_loss");
  checked(target, "nll_loss");
  check_no_grad_target(target, "nll_loss");
  Tensor out = Tensor::empty(ops::nll_shape(log_probs.shape(), target.shape(), options.reduction));
  ops::nll_forward(out, log_probs.value(), target.value(), optional(options.weight),
                   options.reduction);
  return finish(std::move(out), {&log_probs}, [&] {
    return detail::make_node<NllBackward>(log_probs.value(), target.value(), options.weight,
                                          options.reduction);
  });
}

Var bce_with_logits(const Var& logits, const Var& target, Reduction reduction) {
  checked(logits, "bce_with_logits");
  checked(target, "bce_with_logits");
  Tensor out = Tensor::empty(ops::bce_with_logits_shape(logits.shape(), target.shape(), reduction));
  ops::bce_with_logits_forward(out, logits.value(), target.value(), reduction);
  return finish(std::move(out), {&logits, &target}, [&] {
    return detail::make_node<PairBackward<ops::bce_with_logits_backward>>(
        "BinaryCrossEntropyWithLogitsBackward", logits.value(), target.value(), reduction);
  });
}

Var mse_loss(const Var& input, const Var& target, Reduction reduction) {
  checked(input, "mse_loss");
  checked(target, "mse_loss");
  Tensor out = Tensor::empty(ops::mse_shape(input.shape(), target.shape(), reduction));
  ops::mse_forward(out, input.value(), target.value(), reduction);
  return finish(std::move(out), {&input, &target}, [&] {
    return detail::make_node<PairBackward<ops::mse_backward>>("MseLossBackward", input.value(),
                                                              target.value(), reduction);
  });
}

Var l1_loss(const Var& input, const Var& target, Reduction reduction) {
  checked(input, "l1_loss");
  checked(target, "l1_loss");
  Tensor out = Tensor::empty(ops::l1_shape(input.shape(), target.shape(), reduction));
  ops::l1_forward(out, input.value(), target.value(), reduction);
  return finish(std::move(out), {&input, &target}, [&] {
    return detail::make_node<PairBackward<ops::l1_backward>>("L1LossBackward", input.value(),
                                                             target.value(), reduction);
  });
}

}  // namespace lockstep
