// lockstep/autograd/variable.hpp — Var, a tensor that autograd can differentiate.
//
// A Var is a handle (copies share the same node) holding a value Tensor, a gradient Tensor and,
// for results of recorded operations, the Node that made it (grad_fn). Leaves created with
// requires_grad accumulate gradients in grad() across backward() calls until zero_grad().
//
//   lockstep::Var w(lockstep::randn({1, 1}), /*requires_grad=*/true);
//   lockstep::Var b(lockstep::Tensor::zeros({1, 1}), true);
//   lockstep::Var loss = lockstep::mean(lockstep::pow(x * w + b - y, 2));
//   loss.backward();                 // w.grad(), b.grad() now hold d loss / d w, d loss / d b
//   w.zero_grad();
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "lockstep/tensor/tensor.hpp"

namespace lockstep {

class Node;
class GradSink;

namespace detail {
struct VarImpl {
  Tensor value;
  Tensor grad;  // leaves only; undefined until the first backward() reaches it
  bool requires_grad = false;
  std::shared_ptr<Node> grad_fn;  // set on results of recorded operations
  Index flat_offset = -1;         // a parameter's offset in a flat buffer (see GradSink)
  // Used by the backward engine on the thread that owns the graph (never on shared leaves).
  std::uint64_t visit_mark = 0;
  Tensor pending_grad;
};
}  // namespace detail

class Var {
 public:
  /// An undefined Var.
  Var() = default;
  /// A leaf holding `value` (shared, not copied). Implicit, so Tensors pass where Vars go.
  Var(Tensor value, bool requires_grad = false);  // NOLINT(google-explicit-constructor)

  bool defined() const { return impl_ != nullptr; }
  const Tensor& value() const;
  /// The value's storage, for in-place updates (do them under NoGradGuard).
  Tensor& value();
  Shape shape() const { return value().shape(); }
  Index rows() const { return value().rows(); }
  Index cols() const { return value().cols(); }
  float item() const { return value().item(); }

  bool requires_grad() const;
  /// Sets requires_grad on a leaf (results of operations derive it from their inputs).
  Var& requires_grad_(bool requires_grad = true);
  bool is_leaf() const;
  /// The accumulated gradient of a leaf; undefined until a backward() reached this Var.
  const Tensor& grad() const;
  /// Binds the gradient to caller-owned storage (e.g. a flat gradient buffer); the shape must
  /// match the value's. backward() then accumulates into that storage.
  void set_grad(Tensor grad);
  /// Sets the gradient to zero in place (keeps its storage); no-op when undefined.
  void zero_grad();

  /// Back-propagates from this scalar ([1, 1]) Var: d this / d leaf is added to each leaf's
  /// grad(). The graph is freed afterwards unless `retain_graph`.
  void backward(bool retain_graph = false) const;
  /// Back-propagates `grad_output` (shaped like this Var) — the vector-Jacobian product.
  void backward(const Tensor& grad_output, bool retain_graph = false) const;
  /// The same, with the gradients of flat leaves (set_flat_offset) sent to `sink` instead of
  /// their grad() (see grad_sink.hpp); other leaves accumulate into grad() as usual.
  void backward(const Tensor& grad_output, GradSink& sink, bool retain_graph = false) const;

  /// Marks a leaf as the parameter at `offset` of a flat buffer: a backward() given a GradSink
  /// sends this leaf's gradient to that offset of the sink's buffer instead of into grad().
  /// -1 unmarks.
  void set_flat_offset(Index offset);
  Index flat_offset() const;

  /// A new leaf sharing this value's storage, cut off from the graph.
  Var detach() const;
  /// The recording Node's name (e.g. "MatmulBackward"), or "" for a leaf.
  std::string grad_fn_name() const;
  const std::shared_ptr<Node>& grad_fn() const;

  detail::VarImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<detail::VarImpl>& impl_ptr() const { return impl_; }

  /// For operations: a result of `node` (which may be null when nothing is recorded).
  static Var make_result(Tensor value, std::shared_ptr<Node> node);

 private:
  std::shared_ptr<detail::VarImpl> impl_;
};

}  // namespace lockstep
