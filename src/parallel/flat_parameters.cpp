#include "lockstep/parallel/flat_parameters.hpp"

#include <cstring>
#include <unordered_set>

#include "lockstep/core/error.hpp"

namespace lockstep {

FlatParameters::FlatParameters(std::vector<Var> params) : params_(std::move(params)) {
  LOCKSTEP_CHECK(!params_.empty(), "FlatParameters: no parameters");
  std::unordered_set<const void*> seen;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const Var& p = params_[i];
    LOCKSTEP_CHECK(p.defined() && p.is_leaf(), "FlatParameters: parameter ", i,
                   " is not a defined leaf");
    LOCKSTEP_CHECK(seen.insert(p.impl()).second, "FlatParameters: parameter ", i, " appears twice");
    offsets_.push_back(size_);
    const Index n = p.value().numel();
    size_ += (n + kAlignFloats - 1) / kAlignFloats * kAlignFloats;
  }
  values_ = allocate_floats(size_);
  grads_ = allocate_floats(size_);
  for (std::size_t i = 0; i < params_.size(); ++i) {
    Var& p = params_[i];
    const Shape shape = p.value().shape();
    Tensor value = Tensor::view(values_, values_.get() + offsets_[i], shape);
    value.copy_(p.value());
    Tensor grad = Tensor::view(grads_, grads_.get() + offsets_[i], shape);
    if (p.grad().defined()) grad.copy_(p.grad());
    p.value() = value;
    p.set_grad(grad);
    p.set_flat_offset(offsets_[i]);
  }
}

void FlatParameters::zero_grad() {
  std::memset(grads_.get(), 0, std::size_t(size_) * sizeof(float));
}

}  // namespace lockstep
