// The backward pass: a topological walk over the recorded Nodes from the root, calling each
// Node's backward kernel once with the sum of the gradients that reached its output.
//
// Allocation-free in steady state: the walk's marks and pending gradients live in the graph's
// own (thread-confined) VarImpls, its work lists are reused per thread, and tensors come from
// the pool. Leaves are never marked: they may be parameters shared by several replica threads.
#include <algorithm>
#include <array>
#include <atomic>

#include "lockstep/autograd/grad_sink.hpp"
#include "lockstep/autograd/node.hpp"
#include "lockstep/autograd/variable.hpp"
#include "lockstep/core/error.hpp"

namespace lockstep {

namespace {

using detail::VarImpl;

std::atomic<std::uint64_t> next_mark{1};

struct Workspace {
  std::vector<VarImpl*> order;
  std::vector<std::pair<VarImpl*, std::size_t>> stack;
  std::vector<Tensor> dinputs;
};

Workspace& workspace() {
  thread_local Workspace w;
  return w;
}

// Non-leaf Vars reachable from `root`, each after every Var that uses it (reverse post-order).
void topological_order(VarImpl* root, std::uint64_t mark, Workspace& w) {
  w.order.clear();
  w.stack.clear();
  root->visit_mark = mark;
  w.stack.emplace_back(root, 0);
  while (!w.stack.empty()) {
    auto& [var, next] = w.stack.back();
    const Node& fn = *var->grad_fn;
    if (next < fn.inputs.size()) {
      VarImpl* child = fn.inputs[next++].get();
      if (child->grad_fn && child->requires_grad && child->visit_mark != mark) {
        child->visit_mark = mark;
        w.stack.emplace_back(child, 0);
      }
    } else {
      w.order.push_back(var);
      w.stack.pop_back();
    }
  }
  std::reverse(w.order.begin(), w.order.end());
}

void accumulate(Tensor& into, Tensor&& grad) {
  if (!into.defined()) {
    into = std::move(grad);
  } else {
    into.add_(grad);
  }
}

// A leaf's gradient goes to the pass's sink when it is a flat parameter, else to grad().
void accumulate_leaf(VarImpl& leaf, Tensor&& grad, GradSink* sink) {
  if (sink != nullptr && leaf.flat_offset >= 0) {
    Eigen::Map<Eigen::ArrayXf> slice(sink->buffer() + leaf.flat_offset, grad.numel());
    const Eigen::Map<const Eigen::ArrayXf> g(grad.data(), grad.numel());
    if (sink->mode() == GradSink::Mode::overwrite && !sink->written(leaf.flat_offset)) {
      slice = g;
      sink->mark_written(leaf.flat_offset);
    } else {
      slice += g;
    }
    return;
  }
  accumulate(leaf.grad, std::move(grad));
}

// Where input `in`'s gradient is computed: straight into the sink's slice when this is the
// first gradient a flat leaf receives under an overwriting sink (returns true), else a fresh
// tensor that is accumulated afterwards.
bool gradient_target(VarImpl& in, GradSink* sink, Tensor& target) {
  if (sink != nullptr && sink->mode() == GradSink::Mode::overwrite && !in.grad_fn &&
      in.flat_offset >= 0 && !sink->written(in.flat_offset)) {
    // A non-owning view (aliasing an empty owner: no allocation); it lives only for this call
    // of the Node, and the sink's buffer outlives the backward pass.
    float* slice = sink->buffer() + in.flat_offset;
    target = Tensor::view(std::shared_ptr<void>(std::shared_ptr<void>(), slice), slice,
                          in.value.shape());
    sink->mark_written(in.flat_offset);  // so a second use of this leaf gets its own tensor
    return true;
  }
  target = Tensor::empty(in.value.shape());  // every backward kernel writes all of it
  return false;
}

void run_backward(VarImpl* root, const Tensor& grad_output, GradSink* sink, bool retain_graph) {
  LOCKSTEP_CHECK(root != nullptr, "backward() on an undefined Var");
  LOCKSTEP_CHECK(root->requires_grad,
                 "backward(): this tensor does not require grad and has no grad_fn (was it "
                 "computed under NoGradGuard, or from leaves without requires_grad?)");
  LOCKSTEP_CHECK(grad_output.shape() == root->value.shape(), "backward(): gradient of shape ",
                 grad_output.shape(), " for an output of shape ", root->value.shape());
  if (!root->grad_fn) {  // a leaf: its gradient is the given one
    accumulate_leaf(*root, grad_output.clone(), sink);
    return;
  }

  Workspace& w = workspace();
  topological_order(root, next_mark.fetch_add(1, std::memory_order_relaxed), w);
  for (VarImpl* v : w.order) {
    if (v->grad_fn->released) {
      detail::throw_error(detail::str_cat(
          "Trying to backward through the graph a second time (", v->grad_fn->name(),
          " was freed by an earlier backward()); pass retain_graph=true to the first "
          "backward() if you need to call it twice"));
    }
    v->pending_grad = Tensor();
  }

  root->pending_grad = grad_output.clone();
  for (VarImpl* v : w.order) {
    if (!v->pending_grad.defined()) continue;  // nothing reached this Var
    Tensor grad = std::move(v->pending_grad);
    v->pending_grad = Tensor();
    Node& node = *v->grad_fn;
    w.dinputs.resize(node.inputs.size());
    std::array<bool, InputList::kMax> in_place{};
    for (std::size_t i = 0; i < node.inputs.size(); ++i) {
      VarImpl& in = *node.inputs[i];
      if (in.requires_grad)
        in_place[i] = gradient_target(in, sink, w.dinputs[i]);
      else
        w.dinputs[i] = Tensor();
    }
    node.apply(grad, w.dinputs);
    for (std::size_t i = 0; i < node.inputs.size(); ++i) {
      if (!w.dinputs[i].defined() || in_place[i]) {
        w.dinputs[i] = Tensor();
        continue;
      }
      VarImpl* in = node.inputs[i].get();
      if (in->grad_fn) {
        accumulate(in->pending_grad, std::move(w.dinputs[i]));
      } else {
        accumulate_leaf(*in, std::move(w.dinputs[i]), sink);
      }
      w.dinputs[i] = Tensor();
    }
    if (!retain_graph) {
      node.release_saved();
      node.released = true;
    }
  }
}

}  // namespace

void Var::backward(bool retain_graph) const {
  LOCKSTEP_CHECK(defined(), "backward() on an undefined Var");
  LOCKSTEP_CHECK(value().numel() == 1,
                 "grad can be implicitly created only for scalar outputs; backward() was called "
                 "on a tensor of shape ",
                 shape(), " (pass a gradient of that shape, or reduce with sum()/mean() first)");
  backward(Tensor::ones(shape()), retain_graph);
}

void Var::backward(const Tensor& grad_output, bool retain_graph) const {
  run_backward(impl(), grad_output, nullptr, retain_graph);
}

void Var::backward(const Tensor& grad_output, GradSink& sink, bool retain_graph) const {
  run_backward(impl(), grad_output, &sink, retain_graph);
}

}  // namespace lockstep
