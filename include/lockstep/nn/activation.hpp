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
//
// The hidden activations a model spec names (`lockstep train --activation`) are one table,
// activations(), that --help, TrainConfig::validate() and build_model() read:
//   std::shared_ptr<lockstep::Module> act = lockstep::make_activation("tanh");
#pragma once

#include <memory>
#include <span>
#include <string_view>

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

struct ActivationInfo {
  std::string_view name;  // "relu"
  std::shared_ptr<Module> (*make)();
};

/// The named hidden activations, in a fixed order: relu, sigmoid, tanh.
std::span<const ActivationInfo> activations();
/// A new module of the activation named `name`; an unknown name is an error listing the names.
std::shared_ptr<Module> make_activation(std::string_view name);

}  // namespace lockstep
