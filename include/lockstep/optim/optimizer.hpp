// lockstep/optim/optimizer.hpp — the base of optimizers (torch.optim.Optimizer).
//
// An optimizer holds the parameters it updates (Var handles sharing the model's storage);
// step() updates their values from their accumulated gradients, zero_grad() zeroes those
// gradients in place (their storage is kept, so views into flat buffers stay valid). A
// parameter whose gradient is undefined (no backward reached it) is skipped, as in PyTorch.
//
//   lockstep::SGD opt(model.parameters(), lockstep::SGDOptions(0.001));
//   loss.backward();
//   opt.step();
//   opt.zero_grad();
#pragma once

#include <vector>

#include "lockstep/autograd/variable.hpp"

namespace lockstep {

class Optimizer {
 public:
  explicit Optimizer(std::vector<Var> params);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  virtual void step() = 0;
  void zero_grad();
  const std::vector<Var>& parameters() const { return params_; }

 protected:
  std::vector<Var> params_;
};

}  // namespace lockstep
