// lockstep/optim/adam.hpp — Adam and AdamW with PyTorch's exact update rules (torch 1.13).
//
// For each parameter p with gradient g, at its step t (counted per parameter, only steps that
// reached it with a gradient), with lr, (beta1, beta2), eps, weight_decay = wd:
//   Adam:  g <- g + wd * p                        (L2 penalty added to the gradient)
//   AdamW: p <- p * (1 - lr * wd)                 (decoupled weight decay, before the update)
//   m <- beta1 * m + (1 - beta1) * g              (m, v start at zero)
//   v <- beta2 * v + (1 - beta2) * g * g
//   if amsgrad:  v_max <- max(v_max, v), and v_max replaces v below
//   p <- p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
// AdamOptions default to PyTorch's: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 0;
// AdamWOptions the same but weight_decay 1e-2. Options are validated when the optimizer is
// built, with PyTorch's messages ("Invalid beta parameter at index 0: 1.5").
//
// The state (m, v, v_max and the step count) is allocated once, at construction; step() is one
// element-wise pass per parameter and allocates nothing. state_dict() holds, per parameter i,
// "state.i.step", "state.i.exp_avg", "state.i.exp_avg_sq" and, with amsgrad,
// "state.i.max_exp_avg_sq" (PyTorch's names).
//
//   lockstep::Adam opt(model.parameters(), lockstep::AdamOptions(1e-3).betas({0.9, 0.999}));
//   lockstep::AdamW optw(model.parameters(), lockstep::AdamWOptions(1e-3).amsgrad(true));
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "lockstep/optim/optimizer.hpp"

namespace lockstep {

namespace detail {

/// The hyperparameters Adam and AdamW share.
struct AdamHyper {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;
  bool amsgrad = false;
};
/// Throws lockstep::Error naming the first invalid hyperparameter and its value.
void validate_adam(const AdamHyper& h);

/// The builder both option types share; Derived is what the setters return.
template <class Derived>
class AdamOptionsBase {
 public:
  Derived& lr(double v) { return set(h_.lr, v); }
  double lr() const { return h_.lr; }
  Derived& betas(std::pair<double, double> v) {
    h_.beta1 = v.first;
    return set(h_.beta2, v.second);
  }
  std::pair<double, double> betas() const { return {h_.beta1, h_.beta2}; }
  Derived& eps(double v) { return set(h_.eps, v); }
  double eps() const { return h_.eps; }
  Derived& weight_decay(double v) { return set(h_.weight_decay, v); }
  double weight_decay() const { return h_.weight_decay; }
  Derived& amsgrad(bool v) { return set(h_.amsgrad, v); }
  bool amsgrad() const { return h_.amsgrad; }
  /// Throws lockstep::Error naming the first invalid option and its value.
  void validate() const { validate_adam(h_); }
  const AdamHyper& hyper() const { return h_; }

 protected:
  AdamOptionsBase(double lr, double weight_decay) {
    h_.lr = lr;
    h_.weight_decay = weight_decay;
  }

 private:
  template <class T>
  Derived& set(T& field, T v) {
    field = v;
    return static_cast<Derived&>(*this);
  }
  AdamHyper h_;
};

}  // namespace detail

struct AdamOptions : detail::AdamOptionsBase<AdamOptions> {
  explicit AdamOptions(double lr = 1e-3) : AdamOptionsBase(lr, 0.0) {}
};

struct AdamWOptions : detail::AdamOptionsBase<AdamWOptions> {
  explicit AdamWOptions(double lr = 1e-3) : AdamOptionsBase(lr, 1e-2) {}
};

namespace detail {

/// Adam's and AdamW's state and update; `decoupled` selects AdamW's weight decay.
class AdamBase : public Optimizer {
 public:
  void prepare_step() override;
  void update_slice(std::size_t index, Index begin, Index end) override;
  double lr() const override { return h_.lr; }
  /// The number of steps parameter `index` has taken (steps that found its gradient defined).
  std::int64_t step_count(std::size_t index) const { return state_.at(index).step; }

 protected:
  AdamBase(std::vector<Var> params, const AdamHyper& h, bool decoupled);
  std::vector<StateField> state_fields(std::size_t index) const override;
  void save_param_state(std::size_t index, StateDict& out) const override;
  void load_param_state(std::size_t index, const ParamState& state) override;
  void apply_lr(double lr) override { h_.lr = lr; }
  const AdamHyper& hyper() const { return h_; }

 private:
  struct Moments {
    std::int64_t step = 0;
    float step_size = 0;  // lr / bias_correction1, set by prepare_step
    float bias_correction2_sqrt = 1;
    Tensor exp_avg;
    Tensor exp_avg_sq;
    Tensor max_exp_avg_sq;  // amsgrad only
  };
  AdamHyper h_;
  bool decoupled_;
  std::vector<Moments> state_;
};

}  // namespace detail

/// torch.optim.Adam: weight decay as an L2 term added to the gradient.
class Adam final : public detail::AdamBase {
 public:
  explicit Adam(std::vector<Var> params, AdamOptions options = AdamOptions());
  /// The options in force (the learning rate as last set).
  AdamOptions options() const;
};

/// torch.optim.AdamW: decoupled weight decay, p <- p * (1 - lr * weight_decay).
class AdamW final : public detail::AdamBase {
 public:
  explicit AdamW(std::vector<Var> params, AdamWOptions options = AdamWOptions());
  /// The options in force (the learning rate as last set).
  AdamWOptions options() const;
};

}  // namespace lockstep
