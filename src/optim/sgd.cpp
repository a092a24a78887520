#include "lockstep/optim/sgd.hpp"

#include <cmath>

#include "lockstep/autograd/grad_mode.hpp"
#include "lockstep/core/error.hpp"

namespace lockstep {

void SGDOptions::validate() const {
  LOCKSTEP_CHECK(std::isfinite(lr_) && lr_ >= 0, "Invalid learning rate: ", lr_);
  LOCKSTEP_CHECK(std::isfinite(momentum_) && momentum_ >= 0, "Invalid momentum value: ", momentum_);
  LOCKSTEP_CHECK(std::isfinite(dampening_), "Invalid dampening value: ", dampening_);
  LOCKSTEP_CHECK(std::isfinite(weight_decay_) && weight_decay_ >= 0,
                 "Invalid weight_decay value: ", weight_decay_);
  LOCKSTEP_CHECK(!nesterov_ || (momentum_ > 0 && dampening_ == 0),
                 "Nesterov momentum requires a momentum and zero dampening (momentum=", momentum_,
                 ", dampening=", dampening_, ")");
}

SGD::SGD(std::vector<Var> params, SGDOptions options)
    : Optimizer(std::move(params)), options_(options) {
  options_.validate();
  momentum_buffers_.resize(params_.size());
  first_step_.resize(params_.size());
}

void SGD::prepare_step() {
  for (std::size_t i = 0; i < params_.size(); ++i) {
    first_step_[i] = 0;
    if (options_.momentum() == 0 || !params_[i].grad().defined()) continue;
    Tensor& buffer = momentum_buffers_[i];
    if (!buffer.defined()) {
      buffer = Tensor(params_[i].value().shape());  // the one allocation, on the first step
      first_step_[i] = 1;
    }
  }
}

void SGD::update_slice(std::size_t i, Index begin, Index end) {
  const auto lr = static_cast<float>(options_.lr());
  const auto momentum = static_cast<float>(options_.momentum());
  const auto dampening = static_cast<float>(options_.dampening());
  const auto wd = static_cast<float>(options_.weight_decay());
  const bool nesterov = options_.nesterov();
  float* p = params_[i].value().data();
  const float* g = params_[i].grad().data();
  if (options_.momentum() == 0) {
    for (Index j = begin; j < end; ++j) p[j] -= lr * (wd != 0 ? g[j] + wd * p[j] : g[j]);
    return;
  }
  const bool first = first_step_[i] != 0;
  float* buf = momentum_buffers_[i].data();
  for (Index j = begin; j < end; ++j) {
    const float d = wd != 0 ? g[j] + wd * p[j] : g[j];
    buf[j] = first ? d : momentum * buf[j] + (1 - dampening) * d;
    p[j] -= lr * (nesterov ? d + momentum * buf[j] : buf[j]);
  }
}

std::vector<Optimizer::StateField> SGD::state_fields(std::size_t index) const {
  if (options_.momentum() == 0) return {};
  return {{.name = "momentum_buffer", .shape = params_[index].shape(), .required = false}};
}

void SGD::save_param_state(std::size_t index, StateDict& out) const {
  if (momentum_buffers_[index].defined()) {
    put_state(out, index, "momentum_buffer", momentum_buffers_[index]);
  }
}

void SGD::load_param_state(std::size_t index, const ParamState& state) {
  Tensor& buffer = momentum_buffers_[index];
  const auto it = state.find("momentum_buffer");
  if (it == state.end()) {
    buffer = Tensor();  // as before a first step
  } else if (buffer.defined()) {
    buffer.copy_(tensor_value(it->second));
  } else {
    buffer = tensor_value(it->second).clone();
  }
}

}  // namespace lockstep
