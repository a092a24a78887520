#include "lockstep/nn/activation.hpp"

#include <array>
#include <string>

#include "lockstep/core/error.hpp"

namespace lockstep {
namespace {

template <class M>
std::shared_ptr<Module> make() {
  return std::make_shared<M>();
}

constexpr std::array<ActivationInfo, 3> kActivations = {{
    {"relu", make<ReLU>},
    {"sigmoid", make<Sigmoid>},
    {"tanh", make<Tanh>},
}};

}  // namespace

std::span<const ActivationInfo> activations() { return kActivations; }

std::shared_ptr<Module> make_activation(std::string_view name) {
  for (const ActivationInfo& info : kActivations) {
    if (info.name == name) return info.make();
  }
  std::string names;
  for (const ActivationInfo& info : kActivations) {
    if (!names.empty()) names += ", ";
    names += info.name;
  }
  detail::throw_error(
      detail::str_cat("unknown activation '", name, "'; the activations are: ", names));
}

}  // namespace lockstep
