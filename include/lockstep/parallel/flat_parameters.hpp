// lockstep/parallel/flat_parameters.hpp — all parameters in one contiguous, aligned buffer.
//
// flatten() copies every parameter's value into one 64-byte-aligned block (each parameter
// starting on a 16-float boundary) and rebinds the parameter Vars to views into it; their
// gradients become views into a second block of the same layout. Everything that already holds
// the parameters (the module, an optimizer) sees the change, since Vars are shared handles.
// Zeroing every gradient is then one memset, an all-reduce one pass, an update one loop (llm.c's
// malloc_and_point_parameters).
//
//   lockstep::FlatParameters flat(model.parameters());
//   flat.zero_grad();                     // one memset
//   std::span<float> w = flat.values();   // every parameter, contiguous
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "lockstep/autograd/variable.hpp"

namespace lockstep {

class FlatParameters {
 public:
  /// Flattens `params` (leaves; each at most once). Values are copied, then rebound.
  explicit FlatParameters(std::vector<Var> params);

  /// Floats in each block (the layout's size, alignment padding included).
  Index size() const { return size_; }
  std::span<float> values() { return {values_.get(), std::size_t(size_)}; }
  std::span<float> grads() { return {grads_.get(), std::size_t(size_)}; }
  std::span<const float> values() const { return {values_.get(), std::size_t(size_)}; }
  std::span<const float> grads() const { return {grads_.get(), std::size_t(size_)}; }
  /// Offset of parameter i in both blocks.
  Index offset(std::size_t i) const { return offsets_[i]; }
  const std::vector<Var>& parameters() const { return params_; }
  /// Sets every gradient to zero (one memset).
  void zero_grad();

  static constexpr Index kAlignFloats = 16;

 private:
  std::vector<Var> params_;
  std::vector<Index> offsets_;
  Index size_ = 0;
  std::shared_ptr<float> values_, grads_;
};

}  // namespace lockstep
