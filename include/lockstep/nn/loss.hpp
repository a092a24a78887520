// lockstep/nn/loss.hpp — loss modules (torch.nn.*Loss).
//
//   lockstep::MSELoss loss_fn;                     // reduction mean
//   lockstep::Var loss = loss_fn(pred, target);    // [1, 1]
//   lockstep::MSELoss per_element(lockstep::Reduction::None);
#pragma once

#include "lockstep/autograd/functions.hpp"

namespace lockstep {

class MSELoss {
 public:
  explicit MSELoss(Reduction reduction = Reduction::Mean) : reduction_(reduction) {}
  Var operator()(const Var& input, const Var& target) const;
  Reduction reduction() const { return reduction_; }

 private:
  Reduction reduction_;
};

}  // namespace lockstep
