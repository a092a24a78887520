// lockstep/autograd/grad_sink.hpp — where backward() sends the gradients of flat parameters.
//
// Data-parallel replicas run forward and backward against the *same* parameter Vars, each on
// its own thread; their gradients must not meet in Var::grad(). A GradSink is the explicit
// target of one backward pass (like the `inputs`/outputs of PyTorch's autograd::grad): given to
// Var::backward(grad, sink), it receives the gradient of every leaf marked with
// set_flat_offset(o) at buffer[o ...] instead of that leaf's grad(); other leaves are
// unaffected. The buffer must hold the whole flat parameter range. Nothing is ambient: a
// backward() without a sink never writes to one, on any thread.
//
// Two modes:
// - add (default): gradients are added to what the buffer holds (zero it first).
// - overwrite: the first gradient a leaf receives through this sink is written straight over
//   its slice (the backward kernel writes into the buffer: no zeroing, no temporary, no add);
//   later ones (a parameter used twice, a second backward through the same sink) are added.
//   Slices no backward reached keep what they held: ask written(offset) and zero the others.
//   clear() forgets the marks, so the next backward overwrites again.
//
//   std::vector<float> grads(layout_size, 0.0f);
//   lockstep::GradSink sink(grads.data());
//   loss.backward(lockstep::Tensor::ones(loss.shape()), sink);  // gradients land in `grads`
//
//   lockstep::GradSink shard(shard_buffer, lockstep::GradSink::Mode::overwrite);
//   shard.reserve(num_parameters);   // then marking never allocates
//   loss.backward(seed, shard);
//   for (lockstep::Index off : offsets) if (!shard.written(off)) /* zero that slice */;
#pragma once

#include <cstddef>
#include <vector>

#include "lockstep/tensor/tensor.hpp"

namespace lockstep {

class GradSink {
 public:
  enum class Mode { add, overwrite };

  /// `buffer` must outlive every backward() given this sink.
  explicit GradSink(float* buffer, Mode mode = Mode::add);

  float* buffer() const { return buffer_; }
  Mode mode() const { return mode_; }
  /// Whether a gradient reached the slice at `flat_offset` since construction or clear().
  bool written(Index flat_offset) const;
  /// Records that the slice at `flat_offset` now holds a gradient (the backward engine calls
  /// this). Allocation-free while at most reserve()d slices are marked.
  void mark_written(Index flat_offset);
  /// Forgets every mark (keeping the capacity).
  void clear() { marks_.clear(); }
  void reserve(std::size_t parameters) { marks_.reserve(parameters); }

 private:
  float* buffer_;
  Mode mode_;
  std::vector<Index> marks_;  // the offsets written, in order
};

}  // namespace lockstep
