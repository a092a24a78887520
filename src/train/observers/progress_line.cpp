#include "train/observers/progress_line.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/clock.hpp"

namespace lockstep {

using detail::Clock;
using detail::seconds_since;

std::string format_seconds(double s) {
  char buf[32];
  if (s < 60)
    std::snprintf(buf, sizeof buf, "%.0fs", std::ceil(s));
  else if (s < 3600)
    std::snprintf(buf, sizeof buf, "%dm%02ds", int(s) / 60, int(s) % 60);
  else
    std::snprintf(buf, sizeof buf, "%dh%02dm", int(s) / 3600, int(s) / 60 % 60);
  return buf;
}

bool ProgressLine::on_batch(const TrainState& state, const StepStats& stats) {
  if (seconds_since(last_draw_) < 0.1) return true;
  last_draw_ = std::chrono::steady_clock::now();
  const double elapsed = seconds_since(state.started);
  const double rate = double(state.samples_this_run) / std::max(elapsed, 1e-9);
  const double steps = double(state.steps_this_run);
  const double eta =
      steps > 0 ? elapsed / steps * double(state.total_steps - state.progress.step) : 0.0;
  std::fprintf(out_,
               "\r\033[KEpoch %lld/%lld  batch %lld/%lld  loss %.4f  %.0f samples/s  run ETA %s",
               (long long)state.progress.epoch + 1, (long long)state.epochs,
               (long long)stats.batch.index + 1, (long long)state.batches_per_epoch,
               state.epoch_loss(), rate, format_seconds(eta).c_str());
  std::fflush(out_);
  return true;
}

void ProgressLine::clear() {
  std::fprintf(out_, "\r\033[K");
  std::fflush(out_);
}

void ProgressLine::on_epoch_end(const TrainState&, const EpochSummary&) { clear(); }

void ProgressLine::on_end(const TrainState&) { clear(); }

}  // namespace lockstep
