#include "lockstep/optim/sgd.hpp"

#include <cmath>

#include "lockstep/autograd/grad_mode.hpp"
#include "lockstep/core/error.hpp"

namespace lockstep {

void SGDOptions::validate() const {
  LOCKSTEP_CHECK(std::isfinite(lr_) && lr_ >= 0, "Invalid learning rate: ", lr_);
  LOCKSTEP_CHECK(std::isfinite(momentum_) && momentum_ >= 0, "Invalid momentum value: ",
                 momentum_);
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
}

void SGD::set_lr(double lr) {
  LOCKSTEP_CHECK(std::isfinite(lr) && lr >= 0, "Invalid learning rate: ", lr);
  options_.lr(lr);
}

void SGD::step() {
  NoGradGuard no_grad;
  const auto lr = static_cast<float>(options_.lr());
  const auto momentum = static_cast<float>(options_.momentum());
  const auto dampening = static_cast<float>(options_.dampening());
  const auto wd = static_cast<float>(options_.weight_decay());
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const Tensor& g = params_[i].grad();
    if (!g.defined()) continue;
    Tensor& p = params_[i].value();
    if (wd == 0 && momentum == 0) {  // the plain rule, one fused pass
      p.map() -= lr * g.map();
      continue;
    }
    Tensor d = g.clone();
    if (wd != 0) d.map() += wd * p.map();
    if (momentum != 0) {
      Tensor& buf = momentum_buffers_[i];
      if (!buf.defined()) {
        buf = d.clone();
      } else {
        buf.map() = momentum * buf.map() + (1 - dampening) * d.map();
      }
      if (options_.nesterov()) {
        d.map() += momentum * buf.map();
      } else {
        d.copy_(buf);
      }
    }
    p.map() -= lr * d.map();
  }
}

}  // namespace lockstep
