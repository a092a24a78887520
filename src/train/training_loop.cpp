#include "train/training_loop.hpp"

#include <cmath>

#include "core/clock.hpp"
#include "lockstep/core/error.hpp"
#include "lockstep/train/evaluate.hpp"
#include "lockstep/train/train_epoch.hpp"

namespace lockstep {

using detail::Clock;
using detail::seconds_since;

TrainingLoop::TrainingLoop(TrainSession& session,
                           std::vector<std::shared_ptr<TrainObserver>> observers)
    : s_(session), observers_(std::move(observers)) {
  state_.epochs = s_.config.epochs;
  state_.batches_per_epoch = s_.batches_per_epoch;
  state_.total_steps = s_.total_steps;
  state_.progress = s_.start;
  state_.resumed_epoch_samples = s_.start.epoch_samples;
  state_.done = s_.start.step >= s_.total_steps;
}

// The whole run. Each batch: dp.step (inside train_epoch), then after_batch: the state, the
// schedule, the observers, and whether to go on.
void TrainingLoop::run() {
  state_.started = Clock::now();
  for (auto& o : observers_) o->on_start(state_);
  for (; state_.progress.epoch < state_.epochs && !state_.done; next_epoch()) {
    state_.epoch_started = Clock::now();
    if (state_.progress.batch < state_.batches_per_epoch) {  // a resumed epoch may be done
      s_.loader->set_epoch(state_.progress.epoch);
      train_epoch(
          *s_.dp, *s_.loader, [this](const StepStats& st) { return after_batch(st); },
          state_.progress.batch);
    }
    if (state_.interrupted) break;
    last_epoch_ = end_epoch();
    for (auto& o : observers_) o->on_epoch_end(state_, last_epoch_);
  }
  seconds_ = seconds_since(state_.started);
  for (auto& o : observers_) o->on_end(state_);
}

bool TrainingLoop::after_batch(const StepStats& stats) {
  check_finite(stats);
  record(stats);
  if (stats.stepped && s_.schedule) s_.schedule->step();
  stop_requested_ = !notify_batch(stats) || stop_requested_;
  if (!stats.stepped) return true;  // a stop waits for the accumulated step
  if (state_.progress.step >= state_.total_steps)
    state_.done = true;
  else if (stop_requested_)
    state_.interrupted = true;
  return !state_.done && !state_.interrupted;
}

// Every observer sees every batch; any one of them may ask to stop.
bool TrainingLoop::notify_batch(const StepStats& stats) {
  bool go_on = true;
  for (auto& o : observers_) go_on = o->on_batch(state_, stats) && go_on;
  return go_on;
}

void TrainingLoop::check_finite(const StepStats& stats) const {
  const std::string& dir = s_.config.checkpoint_dir;
  LOCKSTEP_CHECK(std::isfinite(stats.loss), "the loss became ", stats.loss, " at step ",
                 state_.progress.step + 1, " (epoch ", state_.progress.epoch + 1, ", batch ",
                 stats.batch.index + 1, "); stopping. Try a lower --lr or --clip-grad-norm",
                 dir.empty() ? std::string() : "; the last good checkpoint is in " + dir);
}

void TrainingLoop::record(const StepStats& stats) {
  TrainProgress& p = state_.progress;
  p.batch = stats.batch.index + 1;
  p.epoch_loss_sum += stats.loss * double(stats.samples);
  p.epoch_samples += stats.samples;
  state_.samples_this_run += stats.samples;
  state_.phases.add(stats);
  ++state_.batches_since_step;
  if (stats.stepped) {
    ++p.step;
    ++state_.steps_this_run;
    state_.batches_since_step = 0;
    state_.lr_used = s_.optimizer->lr();
  }
}

EpochSummary TrainingLoop::end_epoch() {
  const TrainProgress& p = state_.progress;
  EpochSummary e;
  e.epoch = p.epoch;
  e.finished = !state_.done || p.batch == state_.batches_per_epoch;
  e.train_loss = state_.epoch_loss();
  const PreparedData& d = s_.data;
  if (d.has_val()) {
    e.val_started = Clock::now();
    const EvalResult v =
        evaluate(s_.net(), s_.loss, *d.val, d.classification ? Index(d.class_names.size()) : 0,
                 d.class_names);
    e.validated = true;
    e.val_loss = v.loss;
    if (d.classification) e.val_accuracy = v.accuracy;
    e.val_seconds = seconds_since(e.val_started);
  }
  if (e.finished) state_.epochs_completed = p.epoch + 1;
  e.lr = s_.optimizer->lr();
  e.samples = p.epoch_samples - state_.resumed_epoch_samples;
  e.seconds = seconds_since(state_.epoch_started);
  return e;
}

void TrainingLoop::next_epoch() {
  TrainProgress& p = state_.progress;
  p = {p.epoch + 1, 0, p.step, 0.0, 0};
  state_.resumed_epoch_samples = 0;
}

}  // namespace lockstep
