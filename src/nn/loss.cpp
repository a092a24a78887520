#include "lockstep/nn/loss.hpp"

namespace lockstep {

Var MSELoss::operator()(const Var& input, const Var& target) const {
  return mse_loss(input, target, reduction_);
}

}  // namespace lockstep
