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

#include <array>
#include <memory>
#include <vector>

#include "lockstep/autograd/variable.hpp"
#include "lockstep/core/pool.hpp"

namespace lockstep {

/// A Node's inputs, stored inline (no allocation): every operation has at most kMax inputs.
class InputList {
 public:
  static constexpr std::size_t kMax = 4;
  void push_back(std::shared_ptr<detail::VarImpl> v);
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const std::shared_ptr<detail::VarImpl>& operator[](std::size_t i) const { return items_[i]; }
  const std::shared_ptr<detail::VarImpl>* begin() const { return items_.data(); }
  const std::shared_ptr<detail::VarImpl>* end() const { return items_.data() + size_; }

 private:
  std::array<std::shared_ptr<detail::VarImpl>, kMax> items_{};
  std::size_t size_ = 0;
};

class Node {
 public:
  virtual ~Node() = default;
  virtual const char* name() const = 0;

  /// Computes the gradients of the inputs from `dout`. dinputs[i] arrives allocated with
  /// input i's shape when that input requires grad, and undefined otherwise; its contents are
  /// unspecified (it may even be a view into a replica's gradient buffer), so the kernel must
  /// write every element.
  virtual void apply(const Tensor& dout, std::vector<Tensor>& dinputs) = 0;
  /// Drops saved tensors after a backward pass that did not retain the graph.
  virtual void release_saved() {}

  InputList inputs;
  bool released = false;
};

namespace detail {
/// Makes a Node from the pool (what every operation uses, so recording allocates nothing in a
/// steady-state step).
template <class T, class... Args>
std::shared_ptr<T> make_node(Args&&... args) {
  return std::allocate_shared<T>(PoolAllocator<T>{}, std::forward<Args>(args)...);
}
}  // namespace detail

/// True when an operation on these inputs must be recorded (grad mode on and any input
/// requires grad).
bool needs_recording(std::initializer_list<const Var*> inputs);

}  // namespace lockstep
