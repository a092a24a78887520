// lockstep/autograd/grad_sink.hpp — redirecting parameter gradients into a flat buffer, per
// thread.
//
// Data-parallel replicas run forward and backward against the *same* parameter Vars, each on
// its own thread; their gradients must not meet in Var::grad(). While a GradSinkGuard is active
// on a thread, every backward() on that thread sends the gradient of a leaf marked with
// set_flat_offset(o) to buffer[o ...] instead of into the leaf's grad(); other leaves are
// unaffected. The buffer must hold the whole flat parameter range.
//
// Two modes:
// - add (default): gradients are added to what the buffer holds (zero it first).
// - overwrite: the first gradient a leaf receives while the guard lives is written straight
//   over its slice (the backward kernel writes into the buffer: no zeroing, no temporary, no
//   add); later ones (a parameter used twice) are added. Slices no backward reached keep what
//   they held: ask written(offset) and zero the others.
//
//   std::vector<float> grads(layout_size, 0.0f);
//   {
//     lockstep::GradSinkGuard sink(grads.data());
//     loss.backward();          // parameter gradients land in `grads`
//   }
//
//   lockstep::GradSinkGuard sink(shard_buffer, lockstep::GradSinkGuard::Mode::overwrite);
//   loss.backward();
//   for (lockstep::Index off : offsets) if (!sink.written(off)) /* zero that slice */;
#pragma once

#include "lockstep/tensor/tensor.hpp"

namespace lockstep {

class GradSinkGuard {
 public:
  enum class Mode { add, overwrite };

  /// `buffer` must outlive the guard.
  explicit GradSinkGuard(float* buffer, Mode mode = Mode::add);
  ~GradSinkGuard();
  GradSinkGuard(const GradSinkGuard&) = delete;
  GradSinkGuard& operator=(const GradSinkGuard&) = delete;

  float* buffer() const { return buffer_; }
  Mode mode() const { return mode_; }
  /// Whether a gradient reached the slice at `flat_offset` while this guard lived.
  bool written(Index flat_offset) const;
  /// Records that the slice at `flat_offset` now holds a gradient (the backward engine calls
  /// this). Allocation-free once this thread has seen as many parameters.
  void mark_written(Index flat_offset);

 private:
  float* buffer_;
  Mode mode_;
  std::size_t marks_begin_;  // this guard's marks in the thread's mark list
  GradSinkGuard* previous_;
};

/// The active sink guard of this thread, or null.
GradSinkGuard* grad_sink_guard();
/// The active sink's buffer on this thread, or null.
float* grad_sink();

}  // namespace lockstep
