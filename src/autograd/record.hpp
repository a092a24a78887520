// Internal helpers for writing differentiable operations: input checks, recording a Node
// for a result, and saved tensors that a non-retained backward frees.
//
//   Var relu(const Var& a) {
//     Tensor out = Tensor::empty(checked(a, "relu").shape());  // the kernel writes all of it
//     ops::relu_forward(out, a.value());
//     Tensor saved = out;  // (copy the handle: `out` is moved below)
//     return finish(std::move(out), {&a}, [&] { return detail::make_node<ReluBackward>(saved); });
//   }
#pragma once

#include <array>
#include <memory>

#include "lockstep/autograd/node.hpp"
#include "lockstep/core/error.hpp"

namespace lockstep::detail {

inline const Var& checked(const Var& v, const char* op) {
  LOCKSTEP_CHECK(v.defined(), op, ": undefined input");
  return v;
}

// Records `node` with `inputs` and wraps `value` as its result, or returns a plain result when
// nothing needs recording.
template <class NodeT>
Var finish(Tensor value, std::initializer_list<const Var*> inputs, NodeT&& make_node) {
  if (!needs_recording(inputs)) return Var::make_result(std::move(value), nullptr);
  std::shared_ptr<Node> node = make_node();
  for (const Var* v : inputs) {
    if (v != nullptr) node->inputs.push_back(v->impl_ptr());
  }
  return Var::make_result(std::move(value), std::move(node));
}

// Saves tensors for the backward kernel and frees them after a non-retained backward.
template <std::size_t N>
struct Saved {
  std::array<Tensor, N> t;
  void release() { t = {}; }
};

}  // namespace lockstep::detail
