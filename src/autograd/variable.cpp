#include "lockstep/autograd/variable.hpp"

#include "lockstep/autograd/grad_mode.hpp"
#include "lockstep/autograd/node.hpp"
#include "lockstep/core/error.hpp"
#include "lockstep/core/pool.hpp"

namespace lockstep {

namespace {
const Tensor kUndefined;

detail::VarImpl& checked(const std::shared_ptr<detail::VarImpl>& impl) {
  LOCKSTEP_CHECK(impl != nullptr, "operation on an undefined Var");
  return *impl;
}
}  // namespace

Var::Var(Tensor value, bool requires_grad)
    : impl_(std::allocate_shared<detail::VarImpl>(PoolAllocator<detail::VarImpl>{})) {
  LOCKSTEP_CHECK(value.defined(), "a Var needs a defined tensor");
  impl_->value = std::move(value);
  impl_->requires_grad = requires_grad;
}

const Tensor& Var::value() const { return checked(impl_).value; }
Tensor& Var::value() { return checked(impl_).value; }

bool Var::requires_grad() const { return checked(impl_).requires_grad; }

Var& Var::requires_grad_(bool requires_grad) {
  auto& impl = checked(impl_);
  LOCKSTEP_CHECK(impl.grad_fn == nullptr,
                 "requires_grad_ can only be set on a leaf; this Var is the result of ",
                 impl.grad_fn->name(), " (use detach() to make a leaf)");
  impl.requires_grad = requires_grad;
  return *this;
}

bool Var::is_leaf() const { return checked(impl_).grad_fn == nullptr; }

const Tensor& Var::grad() const { return impl_ ? impl_->grad : kUndefined; }

void Var::set_grad(Tensor grad) {
  auto& impl = checked(impl_);
  LOCKSTEP_CHECK(!grad.defined() || grad.shape() == impl.value.shape(),
                 "set_grad: gradient of shape ", grad.shape(), " for a value of shape ",
                 impl.value.shape());
  impl.grad = std::move(grad);
}

void Var::zero_grad() {
  auto& impl = checked(impl_);
  if (impl.grad.defined()) impl.grad.zero_();
}

void Var::set_flat_offset(Index offset) {
  auto& impl = checked(impl_);
  LOCKSTEP_CHECK(impl.grad_fn == nullptr, "set_flat_offset: only leaves are parameters");
  LOCKSTEP_CHECK(offset >= -1, "set_flat_offset: invalid offset ", offset);
  impl.flat_offset = offset;
}

Index Var::flat_offset() const { return checked(impl_).flat_offset; }

Var Var::detach() const { return Var(checked(impl_).value, false); }

std::string Var::grad_fn_name() const {
  const auto& fn = checked(impl_).grad_fn;
  return fn ? fn->name() : "";
}

const std::shared_ptr<Node>& Var::grad_fn() const { return checked(impl_).grad_fn; }

Var Var::make_result(Tensor value, std::shared_ptr<Node> node) {
  Var out(std::move(value), false);
  if (node) {
    out.impl_->requires_grad = true;
    out.impl_->grad_fn = std::move(node);
  }
  return out;
}

void InputList::push_back(std::shared_ptr<detail::VarImpl> v) {
  LOCKSTEP_CHECK(size_ < kMax, "an operation may record at most ", kMax, " inputs");
  items_[size_++] = std::move(v);
}

bool needs_recording(std::initializer_list<const Var*> inputs) {
  if (!is_grad_enabled()) return false;
  for (const Var* v : inputs) {
    if (v != nullptr && v->requires_grad()) return true;
  }
  return false;
}

}  // namespace lockstep
