// The backward pass: a topological walk over the recorded Nodes from the root, calling each
// Node's backward kernel once with the sum of the gradients that reached its output.
#include <unordered_map>
#include <unordered_set>

#include "lockstep/autograd/grad_sink.hpp"
#include "lockstep/autograd/node.hpp"
#include "lockstep/autograd/variable.hpp"
#include "lockstep/core/error.hpp"

namespace lockstep {

namespace {

using detail::VarImpl;

// Vars reachable from `root` through grad_fn edges, ordered so that every Var comes after all
// Vars that use it (reverse post-order of an iterative DFS).
std::vector<VarImpl*> topological_order(VarImpl* root) {
  std::vector<VarImpl*> post;
  std::unordered_set<VarImpl*> seen;
  std::vector<std::pair<VarImpl*, std::size_t>> stack;
  stack.emplace_back(root, 0);
  seen.insert(root);
  while (!stack.empty()) {
    auto& [var, next] = stack.back();
    const Node* fn = var->grad_fn.get();
    if (fn != nullptr && next < fn->inputs.size()) {
      VarImpl* child = fn->inputs[next++].get();
      if (child->requires_grad && seen.insert(child).second) stack.emplace_back(child, 0);
    } else {
      post.push_back(var);
      stack.pop_back();
    }
  }
  return {post.rbegin(), post.rend()};
}

void accumulate(Tensor& into, Tensor&& grad) {
  if (!into.defined()) {
    into = std::move(grad);
  } else {
    into.add_(grad);
  }
}

// A leaf's gradient goes to this thread's flat sink when it is a flat parameter, else to grad().
void accumulate_leaf(VarImpl& leaf, Tensor&& grad) {
  float* sink = grad_sink();
  if (sink != nullptr && leaf.flat_offset >= 0) {
    Eigen::Map<Eigen::ArrayXf>(sink + leaf.flat_offset, grad.numel()) +=
        Eigen::Map<const Eigen::ArrayXf>(grad.data(), grad.numel());
    return;
  }
  accumulate(leaf.grad, std::move(grad));
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
  LOCKSTEP_CHECK(defined(), "backward() on an undefined Var");
  VarImpl* root = impl();
  LOCKSTEP_CHECK(root->requires_grad,
                 "backward(): this tensor does not require grad and has no grad_fn (was it "
                 "computed under NoGradGuard, or from leaves without requires_grad?)");
  LOCKSTEP_CHECK(grad_output.shape() == root->value.shape(), "backward(): gradient of shape ",
                 grad_output.shape(), " for an output of shape ", root->value.shape());

  const std::vector<VarImpl*> order = topological_order(root);
  for (VarImpl* v : order) {
    if (v->grad_fn && v->grad_fn->released) {
      detail::throw_error(detail::str_cat(
          "Trying to backward through the graph a second time (", v->grad_fn->name(),
          " was freed by an earlier backward()); pass retain_graph=true to the first "
          "backward() if you need to call it twice"));
    }
  }

  std::unordered_map<VarImpl*, Tensor> pending;
  pending.emplace(root, grad_output.clone());
  std::vector<Tensor> dinputs;
  for (VarImpl* v : order) {
    auto it = pending.find(v);
    if (it == pending.end()) continue;  // nothing reached this Var
    Tensor grad = std::move(it->second);
    pending.erase(it);
    if (!v->grad_fn) {
      accumulate_leaf(*v, std::move(grad));
      continue;
    }
    Node& node = *v->grad_fn;
    dinputs.assign(node.inputs.size(), Tensor());
    for (std::size_t i = 0; i < node.inputs.size(); ++i) {
      if (node.inputs[i]->requires_grad) dinputs[i] = Tensor(node.inputs[i]->value.shape());
    }
    node.apply(grad, dinputs);
    for (std::size_t i = 0; i < node.inputs.size(); ++i) {
      if (dinputs[i].defined()) {
        VarImpl* in = node.inputs[i].get();
        if (in->grad_fn) {
          accumulate(pending[in], std::move(dinputs[i]));
        } else {
          accumulate_leaf(*in, std::move(dinputs[i]));
        }
      }
    }
    if (!retain_graph) {
      node.release_saved();
      node.released = true;
    }
  }
}

}  // namespace lockstep
