#include "train/observers/stop_request.hpp"

#include <csignal>

#include "lockstep/train/stop_signal.hpp"

namespace lockstep {

bool StopRequestObserver::on_batch(const TrainState& state, const StepStats& stats) {
  if (!stats.stepped) return true;
  // At the run's last step there is nothing to interrupt (and a request would outlive the run).
  if (stop_after_ > 0 && state.progress.step == stop_after_ &&
      state.progress.step < state.total_steps)
    request_stop(SIGINT);
  return stop_signal() == 0;
}

}  // namespace lockstep
