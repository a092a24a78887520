// lockstep/autograd/grad_mode.hpp — switching gradient recording off (torch.no_grad()).
//
// The mode is per thread, so one replica evaluating under NoGradGuard never affects another.
//
//   {
//     lockstep::NoGradGuard no_grad;   // nothing below is recorded on the tape
//     weight.value().add_(weight.grad(), -lr);
//   }                                  // recording is back to what it was
#pragma once

namespace lockstep {

/// Whether operations on this thread are recorded for backward().
bool is_grad_enabled();
void set_grad_enabled(bool enabled);

/// RAII: disables gradient recording for its scope, restoring the previous mode after.
class NoGradGuard {
 public:
  NoGradGuard() : previous_(is_grad_enabled()) { set_grad_enabled(false); }
  ~NoGradGuard() { set_grad_enabled(previous_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

}  // namespace lockstep
