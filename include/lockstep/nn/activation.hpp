// lockstep/nn/activation.hpp — activation functions as parameter-free modules, for use in a
// Sequential (torch.nn.ReLU, Sigmoid, Tanh, Softmax, LogSoftmax).
//
// Softmax and LogSoftmax normalize each row (PyTorch's dim=1: one row per sample).
//
//   lockstep::Sequential mlp{std::make_shared<lockstep::Linear>(4, 8),
//                            std::make_shared<lockstep::Tanh>(),
//                            std::make_shared<lockstep::Linear>(8, 3),
//                            std::make_shared<lockstep::Softmax>()};
//   lockstep::ReLU relu;
//   lockstep::Var h = relu(x);
#pragma once

#include "lockstep/autograd/functions.hpp"
#include "lockstep/nn/module.hpp"

namespace lockstep {

class ReLU : public Module {
 public:
  Var forward(const Var& input) override { return relu(input); }
};

class Sigmoid : public Module {
 public:
  Var forward(const Var& input) override { return sigmoid(input); }
};

class Tanh : public Module {
 public:
  Var forward(const Var& input) override { return tanh(input); }
};

/// Softmax along each row.
class Softmax : public Module {
 public:
  Var forward(const Var& input) override { return softmax(input); }
};

/// Log-softmax along each row (pairs with NLLLoss).
class LogSoftmax : public Module {
 public:
  Var forward(const Var& input) override { return log_softmax(input); }
};

}  // namespace lockstep
