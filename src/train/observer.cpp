#include "lockstep/train/observer.hpp"

namespace lockstep {

void PhaseTimes::add(const StepStats& s) {
  data_wait += s.data_wait_s;
  forward_backward += s.forward_backward_max_s;
  forward_backward_mean += s.forward_backward_mean_s;
  reduce_update += s.reduce_update_s;
  step_total += s.total_s;
  samples += double(s.samples);
}

}  // namespace lockstep
