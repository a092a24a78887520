// lockstep/optim/sgd.hpp — stochastic gradient descent with PyTorch's exact update rule.
//
// For each parameter p with gradient g (torch.optim.SGD):
//   g <- g + weight_decay * p
//   if momentum != 0:  buf <- g on the first step, else momentum * buf + (1 - dampening) * g
//                      g <- g + momentum * buf if nesterov, else buf
//   p <- p - lr * g
// Options are validated when the optimizer is built; errors carry the bad value. The update is
// one element-wise pass per parameter; the momentum buffer is allocated on a parameter's first
// step and reused after. state_dict() holds "state.<i>.momentum_buffer" for each parameter that
// has one (none when momentum is 0).
//
//   lockstep::SGD opt(model.parameters(), lockstep::SGDOptions(0.01).momentum(0.9));
#pragma once

#include "lockstep/optim/optimizer.hpp"

namespace lockstep {

struct SGDOptions {
  explicit SGDOptions(double lr) : lr_(lr) {}
#define LOCKSTEP_OPTION(name)  \
  SGDOptions& name(double v) { \
    name##_ = v;               \
    return *this;              \
  }                            \
  double name() const { return name##_; }
  LOCKSTEP_OPTION(lr)
  LOCKSTEP_OPTION(momentum)
  LOCKSTEP_OPTION(dampening)
  LOCKSTEP_OPTION(weight_decay)
#undef LOCKSTEP_OPTION
  SGDOptions& nesterov(bool v) {
    nesterov_ = v;
    return *this;
  }
  bool nesterov() const { return nesterov_; }
  /// Throws lockstep::Error naming the first invalid option and its value.
  void validate() const;

 private:
  double lr_;
  double momentum_ = 0;
  double dampening_ = 0;
  double weight_decay_ = 0;
  bool nesterov_ = false;
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<Var> params, SGDOptions options);
  void prepare_step() override;
  void update_slice(std::size_t index, Index begin, Index end) override;
  const SGDOptions& options() const { return options_; }
  double lr() const override { return options_.lr(); }

 protected:
  std::vector<StateField> state_fields(std::size_t index) const override;
  void save_param_state(std::size_t index, StateDict& out) const override;
  void load_param_state(std::size_t index, const ParamState& state) override;
  void apply_lr(double lr) override { options_.lr(lr); }

 private:
  SGDOptions options_;
  std::vector<Tensor> momentum_buffers_;  // undefined until a parameter's first step
  std::vector<char> first_step_;          // this step is the buffer's first (set by prepare_step)
};

}  // namespace lockstep
