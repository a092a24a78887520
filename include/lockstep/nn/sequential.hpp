// lockstep/nn/sequential.hpp — a chain of modules applied in order (torch.nn.Sequential).
//
// The modules are registered as children named "0", "1", ... in order, so parameters are
// named "0.weight", "0.bias", "2.weight" exactly as in PyTorch's state_dict, and train()/eval()
// reach every module in the chain.
//
//   lockstep::Sequential model{std::make_shared<lockstep::Linear>(4, 16),
//                              std::make_shared<lockstep::ReLU>(),
//                              std::make_shared<lockstep::Linear>(16, 3)};
//   lockstep::Var logits = model(x);          // [batch, 4] -> [batch, 3]
//   model.named_parameters();                 // "0.weight", "0.bias", "2.weight", "2.bias"
//   model.push_back(std::make_shared<lockstep::Softmax>());   // registered as "3"
//   auto shared = std::make_shared<lockstep::Sequential>(    // the same, as a shared_ptr
//       std::make_shared<lockstep::Linear>(4, 1), std::make_shared<lockstep::Sigmoid>());
#pragma once

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <vector>

#include "lockstep/nn/module.hpp"

namespace lockstep {

class Sequential : public Module {
 public:
  Sequential() = default;
  Sequential(std::initializer_list<std::shared_ptr<Module>> modules);
  /// The same from separate arguments, so that std::make_shared<Sequential>(a, b, c) works.
  template <class M, class... Rest>
  explicit Sequential(std::shared_ptr<M> first, std::shared_ptr<Rest>... rest) {
    append(std::move(first));
    (append(std::move(rest)), ...);
  }

  /// Appends `module` under the name std::to_string(size()) and returns it.
  template <class M>
  std::shared_ptr<M> push_back(std::shared_ptr<M> module) {
    append(module);
    return module;
  }
  std::size_t size() const { return modules_.size(); }
  bool empty() const { return modules_.empty(); }
  /// The module at position `i` (checked: throws naming i and size() when out of range).
  const std::shared_ptr<Module>& operator[](std::size_t i) const;

  /// Applies every module in order; an empty Sequential returns its input.
  Var forward(const Var& input) override;

 private:
  void append(std::shared_ptr<Module> module);
  std::vector<std::shared_ptr<Module>> modules_;
};

}  // namespace lockstep
