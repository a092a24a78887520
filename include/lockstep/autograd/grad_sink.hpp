// lockstep/autograd/grad_sink.hpp — redirecting parameter gradients into a flat buffer, per
// thread.
//
// Data-parallel replicas run forward and backward against the *same* parameter Vars, each on
// its own thread; their gradients must not meet in Var::grad(). While a GradSinkGuard is active
// on a thread, every backward() on that thread adds the gradient of a leaf marked with
// set_flat_offset(o) into buffer[o ...] instead of into the leaf's grad(); other leaves are
// unaffected. The buffer must hold the whole flat parameter range.
//
//   std::vector<float> grads(layout_size, 0.0f);
//   {
//     lockstep::GradSinkGuard sink(grads.data());
//     loss.backward();          // parameter gradients land in `grads`
//   }
#pragma once

namespace lockstep {

/// The active sink of this thread, or null.
float* grad_sink();

class GradSinkGuard {
 public:
  explicit GradSinkGuard(float* buffer);
  ~GradSinkGuard();
  GradSinkGuard(const GradSinkGuard&) = delete;
  GradSinkGuard& operator=(const GradSinkGuard&) = delete;

 private:
  float* previous_;
};

}  // namespace lockstep
