#include "lockstep/train/trainer.hpp"

#include <algorithm>
#include <csignal>

#include "lockstep/train/model_file.hpp"
#include "lockstep/train/stop_signal.hpp"
#include "train/observers/checkpoints.hpp"
#include "train/observers/epoch_log.hpp"
#include "train/observers/metrics.hpp"
#include "train/observers/model_saver.hpp"
#include "train/observers/progress_line.hpp"
#include "train/observers/side_output.hpp"
#include "train/observers/stop_request.hpp"
#include "train/observers/trace.hpp"
#include "train/session.hpp"
#include "train/training_loop.hpp"

namespace lockstep {

namespace {

void print_header(const TrainSession& s, const TrainOutput& io) {
  std::FILE* out = io.out;
  const TrainConfig& c = s.config;
  const PreparedData& d = s.data;
  std::fprintf(out, "lockstep %s: %s\n", lockstep_version(), d.description.c_str());
  std::fprintf(out, "model: %s, %lld parameters; loss %s, optimizer %s (lr %g)\n",
               describe(s.spec).c_str(), (long long)s.model.net->num_parameters(),
               s.loss_name.c_str(), c.optimizer.c_str(), c.lr);
  std::fprintf(out,
               "training on %lld samples%s, batch %lld, %lld epochs (%lld steps), %d replicas, "
               "%d loader workers\n",
               (long long)d.train->size(),
               d.has_val() ? (", validating on " + std::to_string(d.val->size())).c_str() : "",
               (long long)c.batch_size, (long long)c.epochs, (long long)s.total_steps, s.threads,
               c.loader_workers);
  if (!s.starting_in.empty())
    std::fprintf(out, "no checkpoint in %s yet: starting the run, checkpointing there\n",
                 s.starting_in.c_str());
  if (s.checkpoint)
    std::fprintf(out, "resumed from %s at step %lld (epoch %lld, batch %lld)\n",
                 s.checkpoint->path.c_str(), (long long)s.start.step, (long long)s.start.epoch + 1,
                 (long long)s.start.batch);
  std::fflush(out);
}

void print_summary(const TrainSession& s, const TrainState& st, const TrainResult& r,
                   std::FILE* out) {
  const TrainConfig& c = s.config;
  const PhaseTimes& t = st.phases;
  const double busy = std::max(r.seconds, 1e-12);
  const double sync = std::max(0.0, t.step_total - t.forward_backward - t.reduce_update);
  const double other = std::max(0.0, busy - t.data_wait - t.step_total);
  std::fprintf(out, "done: %lld steps in %.2f s, %.0f samples/s (%d replicas, %d loader workers)\n",
               (long long)st.steps_this_run, r.seconds, r.samples_per_s, s.threads,
               c.loader_workers);
  std::fprintf(out,
               "time: data wait %.1f%%, forward/backward %.1f%%, all-reduce+update %.1f%%, "
               "replica start/sync %.1f%%, other (validation, logging, checkpoints) %.1f%%\n",
               100 * t.data_wait / busy, 100 * t.forward_backward / busy,
               100 * t.reduce_update / busy, 100 * sync / busy, 100 * other / busy);
  if (t.forward_backward_mean > 0)
    std::fprintf(out,
                 "replica imbalance: the slowest replica took %.2fx the mean forward/backward "
                 "time\n",
                 t.forward_backward / t.forward_backward_mean);
  if (s.data.has_val()) {
    if (s.data.classification)
      std::fprintf(out, "validation: loss %.4f, accuracy %.4f\n", r.val_loss, r.val_accuracy);
    else
      std::fprintf(out, "validation: loss %.4f\n", r.val_loss);
  }
  if (!c.save.empty()) std::fprintf(out, "model saved to %s\n", c.save.c_str());
  if (!r.checkpoint.empty()) std::fprintf(out, "checkpoint in %s\n", c.checkpoint_dir.c_str());
}

void print_interrupted(const TrainSession& s, const TrainResult& r, std::FILE* out) {
  const std::string& dir = s.config.checkpoint_dir;
  std::fprintf(out, "interrupted (%s) after step %lld; %s\n",
               r.stopped_by_signal == SIGTERM ? "SIGTERM" : "SIGINT", (long long)r.steps,
               r.checkpoint.empty() ? "no checkpoint written (no --checkpoint-dir)"
                                    : ("checkpoint written to " + dir +
                                       " (continue with: lockstep train --resume " + dir + ")")
                                          .c_str());
}

TrainResult result_of(const TrainingLoop& loop, const CheckpointObserver& checkpoints) {
  const TrainState& st = loop.state();
  const EpochSummary& last = loop.last_epoch();
  TrainResult r;
  r.steps = st.progress.step;
  r.epochs_completed = st.epochs_completed;
  r.train_loss = last.train_loss;
  r.val_loss = last.val_loss;
  r.val_accuracy = last.val_accuracy;
  r.stopped_by_signal = st.interrupted ? stop_signal() : 0;
  r.checkpoint = checkpoints.last_written();
  r.seconds = loop.seconds();
  r.samples_per_s = double(st.samples_this_run) / std::max(r.seconds, 1e-9);
  return r;
}

// A resumed run whose checkpoint is its end: say so, and touch nothing.
TrainResult finished_already(const TrainSession& s, const TrainOutput& io) {
  TrainResult r;
  r.steps = s.start.step;
  r.epochs_completed = std::min(s.start.epoch, s.config.epochs);
  r.checkpoint = s.checkpoint->path;
  if (!s.config.quiet)
    std::fprintf(io.out, "the run in %s is finished (step %lld of %lld): nothing to do\n",
                 s.config.resume.c_str(), (long long)s.start.step, (long long)s.total_steps);
  return r;
}

}  // namespace

Trainer::Trainer(TrainConfig config, TrainOutput output)
    : config_(std::move(config)), output_(output) {}

void Trainer::add_observer(std::shared_ptr<TrainObserver> observer) {
  extra_.push_back(std::move(observer));
}

// Set-up, the loop with its observers, the summary.
TrainResult Trainer::run() {
  TrainSession s = open_config(config_);
  const bool quiet = s.config.quiet;
  Warnings warnings(output_.progress);
  auto trace =
      std::make_shared<TraceObserver>(s.config.trace, s.threads, s.config.loader_workers, warnings);
  open_session(s, trace->load_batch());
  if (s.checkpoint && s.start.step >= s.total_steps) return finished_already(s, output_);
  if (!quiet) print_header(s, output_);

  // In this order at the end of the run: the model first (a failure there is an error), then
  // the side outputs, whose failures are warnings.
  auto checkpoints = std::make_shared<CheckpointObserver>(s, warnings);
  std::vector<std::shared_ptr<TrainObserver>> observers{
      std::make_shared<ModelSaver>(s), checkpoints,
      std::make_shared<MetricsObserver>(s.config, warnings, s.checkpoint ? s.start.step : -1,
                                        &s.dp->flat()),
      trace, std::make_shared<StopRequestObserver>(s.config.stop_after_steps)};
  if (output_.live && !quiet) observers.push_back(std::make_shared<ProgressLine>(output_.progress));
  if (!quiet) observers.push_back(std::make_shared<EpochLog>(output_.out));
  observers.insert(observers.end(), extra_.begin(), extra_.end());

  TrainingLoop loop(s, std::move(observers));
  loop.run();

  TrainResult r = result_of(loop, *checkpoints);
  r.warnings = std::move(warnings.said);
  if (loop.state().interrupted)
    print_interrupted(s, r, output_.progress);
  else if (!quiet)
    print_summary(s, loop.state(), r, output_.out);
  return r;
}

}  // namespace lockstep
