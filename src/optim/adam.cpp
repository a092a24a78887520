#include "lockstep/optim/adam.hpp"

#include <cmath>

#include "lockstep/autograd/grad_mode.hpp"
#include "lockstep/core/error.hpp"

namespace lockstep {

namespace detail {

void validate_adam(const AdamHyper& h) {
  LOCKSTEP_CHECK(std::isfinite(h.lr) && h.lr >= 0, "Invalid learning rate: ", h.lr);
  LOCKSTEP_CHECK(std::isfinite(h.eps) && h.eps >= 0, "Invalid epsilon value: ", h.eps);
  LOCKSTEP_CHECK(h.beta1 >= 0 && h.beta1 < 1, "Invalid beta parameter at index 0: ", h.beta1);
  LOCKSTEP_CHECK(h.beta2 >= 0 && h.beta2 < 1, "Invalid beta parameter at index 1: ", h.beta2);
  LOCKSTEP_CHECK(std::isfinite(h.weight_decay) && h.weight_decay >= 0,
                 "Invalid weight_decay value: ", h.weight_decay);
}

AdamBase::AdamBase(std::vector<Var> params, const AdamHyper& h, bool decoupled)
    : Optimizer(std::move(params)), h_(h), decoupled_(decoupled) {
  validate_adam(h_);
  state_.resize(params_.size());
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const Shape shape = params_[i].shape();
    state_[i].exp_avg = Tensor(shape);
    state_[i].exp_avg_sq = Tensor(shape);
    if (h_.amsgrad) state_[i].max_exp_avg_sq = Tensor(shape);
  }
}

void AdamBase::prepare_step() {
  for (std::size_t i = 0; i < params_.size(); ++i) {
    if (!params_[i].grad().defined()) continue;
    Moments& s = state_[i];
    ++s.step;
    const double t = static_cast<double>(s.step);
    const double bias_correction1 = 1 - std::pow(h_.beta1, t);
    s.bias_correction2_sqrt = static_cast<float>(std::sqrt(1 - std::pow(h_.beta2, t)));
    s.step_size = static_cast<float>(h_.lr / bias_correction1);
  }
}

void AdamBase::update_slice(std::size_t i, Index begin, Index end) {
  // The scalars as PyTorch forms them: in double, then used by float32 kernels.
  const auto beta1 = static_cast<float>(h_.beta1);
  const auto beta2 = static_cast<float>(h_.beta2);
  const auto one_minus_beta1 = static_cast<float>(1 - h_.beta1);
  const auto one_minus_beta2 = static_cast<float>(1 - h_.beta2);
  const auto eps = static_cast<float>(h_.eps);
  const auto wd = static_cast<float>(h_.weight_decay);
  const bool l2 = !decoupled_ && h_.weight_decay != 0;
  const bool decay = decoupled_ && h_.weight_decay != 0;
  const auto decay_factor = static_cast<float>(1 - h_.lr * h_.weight_decay);
  const bool amsgrad = h_.amsgrad;
  Moments& s = state_[i];
  const float bias_correction2_sqrt = s.bias_correction2_sqrt;
  const float step_size = s.step_size;
  float* p = params_[i].value().data();
  const float* g = params_[i].grad().data();
  float* m = s.exp_avg.data();
  float* v = s.exp_avg_sq.data();
  float* v_max = amsgrad ? s.max_exp_avg_sq.data() : nullptr;
  for (Index j = begin; j < end; ++j) {
    float pj = p[j];
    if (decay) pj *= decay_factor;
    const float gj = l2 ? g[j] + wd * pj : g[j];
    m[j] = m[j] * beta1 + one_minus_beta1 * gj;
    v[j] = v[j] * beta2 + one_minus_beta2 * gj * gj;
    float second = v[j];
    if (amsgrad) {  // torch.maximum: NaN wins
      if (std::isnan(second) || second > v_max[j]) v_max[j] = second;
      second = v_max[j];
    }
    const float denom = std::sqrt(second) / bias_correction2_sqrt + eps;
    p[j] = pj - step_size * (m[j] / denom);
  }
}

std::vector<Optimizer::StateField> AdamBase::state_fields(std::size_t index) const {
  const Shape shape = params_[index].shape();
  std::vector<StateField> fields = {
      {.name = "step", .shape = {1, 1}, .is_count = true},
      {.name = "exp_avg", .shape = shape},
      {.name = "exp_avg_sq", .shape = shape},
  };
  if (h_.amsgrad) fields.push_back({.name = "max_exp_avg_sq", .shape = shape});
  return fields;
}

void AdamBase::save_param_state(std::size_t index, StateDict& out) const {
  const Moments& s = state_[index];
  put_count(out, index, "step", s.step);
  put_state(out, index, "exp_avg", s.exp_avg);
  put_state(out, index, "exp_avg_sq", s.exp_avg_sq);
  if (h_.amsgrad) put_state(out, index, "max_exp_avg_sq", s.max_exp_avg_sq);
}

void AdamBase::load_param_state(std::size_t index, const ParamState& state) {
  Moments& s = state_[index];
  s.step = state_count("step", state.find("step")->second);  // (already checked)
  s.exp_avg.copy_(tensor_value(state.find("exp_avg")->second));
  s.exp_avg_sq.copy_(tensor_value(state.find("exp_avg_sq")->second));
  if (h_.amsgrad) s.max_exp_avg_sq.copy_(tensor_value(state.find("max_exp_avg_sq")->second));
}

}  // namespace detail

namespace {

template <class Options>
Options options_from(const detail::AdamHyper& h) {
  Options o(h.lr);
  o.betas({h.beta1, h.beta2}).eps(h.eps).weight_decay(h.weight_decay).amsgrad(h.amsgrad);
  return o;
}

}  // namespace

Adam::Adam(std::vector<Var> params, AdamOptions options)
    : AdamBase(std::move(params), options.hyper(), /*decoupled=*/false) {}

AdamOptions Adam::options() const { return options_from<AdamOptions>(hyper()); }

AdamW::AdamW(std::vector<Var> params, AdamWOptions options)
    : AdamBase(std::move(params), options.hyper(), /*decoupled=*/true) {}

AdamWOptions AdamW::options() const { return options_from<AdamWOptions>(hyper()); }

}  // namespace lockstep
