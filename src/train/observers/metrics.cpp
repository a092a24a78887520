#include "train/observers/metrics.hpp"

#include <algorithm>
#include <cmath>

#include "core/clock.hpp"

namespace lockstep {

using detail::Clock;
using detail::seconds_since;

MetricsObserver::MetricsObserver(const TrainConfig& config, Warnings& warnings,
                                 std::int64_t resumed_at, const FlatParameters* gradients)
    : log_(resumed_at >= 0 ? MetricsLog(config.metrics, resumed_at) : MetricsLog(config.metrics)),
      output_("--metrics " + config.metrics, warnings, SideOutput::Failure::give_up),
      gradients_(gradients),
      log_every_(config.log_every) {}

void MetricsObserver::on_start(const TrainState&) {
  window_start_ = std::chrono::steady_clock::now();
}

bool MetricsObserver::on_batch(const TrainState& state, const StepStats& stats) {
  window_.add(stats);
  const std::int64_t step = state.progress.step;
  if (!stats.stepped || !log_.enabled() || log_every_ <= 0 || step % log_every_ != 0) return true;
  const double secs = seconds_since(window_start_);
  double grad_norm = stats.grad_norm;  // measured by the step when it clipped
  if (std::isnan(grad_norm) && gradients_ != nullptr) {
    double squares = 0;  // in the buffer's order: the same for every thread count
    for (float g : gradients_->grads()) squares += double(g) * double(g);
    grad_norm = std::sqrt(squares);
  }
  output_.attempt([&] {
    log_.record(
        {{"type", "step"}},
        {{"step", double(step)},
         {"epoch", double(state.progress.epoch + 1)},
         {"batch", double(stats.batch.index + 1)},
         {"loss", stats.loss},
         {"lr", state.lr_used},
         {"samples_per_s", window_.samples / std::max(secs, 1e-9)},
         {"data_wait_s", window_.data_wait},
         {"forward_backward_s", window_.forward_backward},
         {"reduce_update_s", window_.reduce_update},
         {"imbalance", window_.forward_backward / std::max(window_.forward_backward_mean, 1e-12)},
         {"grad_norm", grad_norm}});
  });
  window_ = PhaseTimes{};
  window_start_ = std::chrono::steady_clock::now();
  return true;
}

void MetricsObserver::on_epoch_end(const TrainState& state, const EpochSummary& epoch) {
  output_.attempt([&] {
    log_.record({{"type", "epoch"}},
                {{"step", double(state.progress.step)},
                 {"epoch", double(epoch.epoch + 1)},
                 {"loss", epoch.train_loss},
                 {"lr", epoch.lr},
                 {"samples_per_s", double(epoch.samples) / std::max(epoch.seconds, 1e-9)},
                 {"epoch_s", epoch.seconds},
                 {"val_loss", epoch.val_loss},
                 {"val_accuracy", epoch.val_accuracy}});
  });
}

void MetricsObserver::on_end(const TrainState&) {
  output_.attempt([&] { log_.commit(); });
}

}  // namespace lockstep
