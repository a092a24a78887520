// lockstep/autograd/node.hpp — one recorded call on the autograd tape.
//
// Each differentiable operation has a forward kernel and a backward kernel (lockstep/tensor/
// ops/*.hpp). Calling the operation on Vars that need gradients records a Node: the inputs,
// whatever the backward kernel needs (saved tensors), and a call of that kernel. The Node never
// re-derives math; it only routes tensors to the kernel.
//
//   class ScaleBackward final : public Node {
//     void apply(const Tensor& dout, std::vector<Tensor>& dinputs) override {
//       ops::scale_backward(dinputs[0], dout, factor_);
//     }
//   };
#pragma once

#include <memory>
#include <vector>

#include "lockstep/autograd/variable.hpp"

namespace lockstep {

class Node {
 public:
  virtual ~Node() = default;
  virtual const char* name() const = 0;

  /// Computes the gradients of the inputs from `dout`. dinputs[i] arrives allocated with
  /// input i's shape when that input requires grad, and undefined otherwise.
  virtual void apply(const Tensor& dout, std::vector<Tensor>& dinputs) = 0;
  /// Drops saved tensors after a backward pass that did not retain the graph.
  virtual void release_saved() {}

  std::vector<std::shared_ptr<detail::VarImpl>> inputs;
  bool released = false;
};

/// True when an operation on these inputs must be recorded (grad mode on and any input
/// requires grad).
bool needs_recording(std::initializer_list<const Var*> inputs);

}  // namespace lockstep
