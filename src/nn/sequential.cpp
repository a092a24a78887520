#include "lockstep/nn/sequential.hpp"

#include <string>

#include "lockstep/core/error.hpp"

namespace lockstep {

Sequential::Sequential(std::initializer_list<std::shared_ptr<Module>> modules) {
  for (const auto& m : modules) append(m);
}

void Sequential::append(std::shared_ptr<Module> module) {
  LOCKSTEP_CHECK(module != nullptr, "Sequential: module ", modules_.size(), " is null");
  register_module(std::to_string(modules_.size()), module);
  modules_.push_back(std::move(module));
}

const std::shared_ptr<Module>& Sequential::operator[](std::size_t i) const {
  LOCKSTEP_CHECK(i < modules_.size(), "Sequential: index ", i, " is out of range for ",
                 modules_.size(), " modules");
  return modules_[i];
}

Var Sequential::forward(const Var& input) {
  Var x = input;
  for (const auto& m : modules_) x = (*m)(x);
  return x;
}

}  // namespace lockstep
