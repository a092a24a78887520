#include "lockstep/optim/optimizer.hpp"

#include "lockstep/core/error.hpp"

namespace lockstep {

Optimizer::Optimizer(std::vector<Var> params) : params_(std::move(params)) {
  LOCKSTEP_CHECK(!params_.empty(), "optimizer got an empty parameter list");
  for (std::size_t i = 0; i < params_.size(); ++i) {
    LOCKSTEP_CHECK(params_[i].defined(), "optimizer: parameter ", i, " is undefined");
    LOCKSTEP_CHECK(params_[i].is_leaf(), "optimizer: parameter ", i,
                   " is not a leaf (it was computed by ", params_[i].grad_fn_name(), ")");
  }
}

void Optimizer::zero_grad() {
  for (auto& p : params_) p.zero_grad();
}

}  // namespace lockstep
