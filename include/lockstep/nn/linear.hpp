// lockstep/nn/linear.hpp — the fully connected layer y = x W^T + b (torch.nn.Linear).
//
// weight is [out_features, in_features] and bias [1, out_features] (PyTorch's [out] as a row),
// both initialized uniform in +-1/sqrt(in_features) as PyTorch does.
//
//   lockstep::Linear fc(4, 16);               // draws from the default generator
//   lockstep::Var h = fc(x);                  // x: [batch, 4] -> h: [batch, 16]
//   lockstep::Linear head(16, 3, {.bias = false});
#pragma once

#include "lockstep/core/rng.hpp"
#include "lockstep/nn/module.hpp"

namespace lockstep {

struct LinearOptions {
  bool bias = true;
  Generator* generator = nullptr;  // default: the default generator
};

class Linear : public Module {
 public:
  Linear(Index in_features, Index out_features, LinearOptions options = {});
  Var forward(const Var& input) override;

  Index in_features() const { return in_features_; }
  Index out_features() const { return out_features_; }
  Var& weight() { return weight_; }
  Var& bias() { return bias_; }

 private:
  Index in_features_, out_features_;
  Var weight_, bias_;
};

}  // namespace lockstep
