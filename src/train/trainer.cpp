#include "lockstep/train/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <memory>

#include "lockstep/core/error.hpp"
#include "lockstep/core/rng.hpp"
#include "lockstep/data/dataloader.hpp"
#include "lockstep/data/tensor_dataset.hpp"
#include "lockstep/io/state_dict.hpp"
#include "lockstep/optim/adam.hpp"
#include "lockstep/optim/clip.hpp"
#include "lockstep/optim/schedule.hpp"
#include "lockstep/optim/sgd.hpp"
#include "lockstep/parallel/data_parallel.hpp"
#include "lockstep/train/checkpoint.hpp"
#include "lockstep/train/evaluate.hpp"
#include "lockstep/train/metrics_log.hpp"
#include "lockstep/train/model_file.hpp"
#include "lockstep/train/prepared_data.hpp"
#include "lockstep/train/stop_signal.hpp"
#include "lockstep/train/trace.hpp"

namespace lockstep {

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Stream keys of Generator::derive(seed, {key}) for the run's independent random streams.
constexpr std::uint64_t kInitStream = 0x1A17ULL;
constexpr std::uint64_t kLoaderStream = 0x10ADULL;

std::unique_ptr<Optimizer> make_optimizer(const TrainConfig& c, std::vector<Var> params) {
  if (c.optimizer == "sgd")
    return std::make_unique<SGD>(
        std::move(params),
        SGDOptions(c.lr).momentum(c.momentum).nesterov(c.nesterov).weight_decay(c.weight_decay));
  if (c.optimizer == "adam")
    return std::make_unique<Adam>(std::move(params),
                                  AdamOptions(c.lr).weight_decay(c.weight_decay));
  return std::make_unique<AdamW>(std::move(params),
                                 AdamWOptions(c.lr).weight_decay(c.weight_decay));
}

std::unique_ptr<LRScheduler> make_schedule(const TrainConfig& c, Optimizer& opt,
                                           std::int64_t total_steps) {
  const std::int64_t after_warmup = std::max<std::int64_t>(1, total_steps - c.warmup_steps);
  std::unique_ptr<LRScheduler> s;
  if (c.schedule == "step")
    s = std::make_unique<StepLR>(
        opt, c.lr_step_size > 0 ? c.lr_step_size : std::max<std::int64_t>(1, after_warmup / 3),
        c.lr_gamma);
  else if (c.schedule == "cosine")
    s = std::make_unique<CosineAnnealingLR>(opt, after_warmup);
  if (c.warmup_steps > 0) {
    if (s) return std::make_unique<LinearWarmup>(std::move(s), c.warmup_steps, 0.1);
    return std::make_unique<LinearWarmup>(opt, c.warmup_steps, 0.1);
  }
  return s;
}

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

// Time spent per phase over a window of steps (for metrics) and over the whole run.
struct Phases {
  double data_wait = 0, forward_backward = 0, forward_backward_mean = 0, reduce_update = 0;
  double samples = 0, steps = 0, step_total = 0;
  void add(double wait, const StepStats& s) {
    data_wait += wait;
    step_total += s.total_s;
    forward_backward += s.forward_backward_max_s;
    forward_backward_mean += s.forward_backward_mean_s;
    reduce_update += s.reduce_update_s;
    samples += double(s.samples);
  }
};

}  // namespace

TrainConfig resume_config(const TrainConfig& given, const std::string& saved_json) {
  TrainConfig c = with_result_fields(given, config_from_json(saved_json));
  if (c.checkpoint_dir.empty()) c.checkpoint_dir = given.resume;  // keep checkpointing there
  return c;
}

Trainer::Trainer(TrainConfig config, TrainOutput output)
    : config_(std::move(config)), output_(output) {}

TrainResult Trainer::run() {
  std::optional<Checkpoint> checkpoint;
  TrainConfig c = config_;
  if (!c.resume.empty()) {
    checkpoint = read_checkpoint(c.resume);
    c = resume_config(config_, checkpoint->config_json);
  }
  c.validate();
  const int threads = c.resolved_threads();
  std::FILE* out = c.quiet ? nullptr : output_.out;
  auto say = [&](const char* fmt, auto... args) {
    if (out) std::fprintf(out, fmt, args...);
  };
  const bool live = output_.live && !c.quiet;

  // Outputs must be writable before any work is done.
  for (const std::string* p : {&c.save, &c.metrics, &c.trace}) {
    if (p->empty()) continue;
    const auto parent = std::filesystem::absolute(*p).parent_path();
    LOCKSTEP_CHECK(std::filesystem::is_directory(parent), "cannot write ", *p, ": directory ",
                   parent.string(), " does not exist");
  }

  // --- data and model
  PreparedData data = prepare_data(c);
  LOCKSTEP_CHECK(c.loss != "cross-entropy" || data.classification,
                 "--loss cross-entropy needs class labels, but the target of ", c.data,
                 " is numeric (use --task classification for integer labels)");
  const std::string loss_name =
      c.loss != "auto" ? c.loss : (data.classification ? "cross-entropy" : "mse");
  if (data.classification && loss_name != "cross-entropy") {
    // A regression loss on class ids: train on the ids as numbers.
    data.classification = false;
    data.class_names.clear();
  }
  ModelSpec spec{c.model, c.activation, c.dropout, data.x_train.cols(), data.outputs()};
  BuiltModel built = build_model(spec, Generator::derive(c.seed, {kInitStream}).next_u64());
  Sequential& model = *built.net;
  if (!c.init.empty()) {
    LOCKSTEP_CHECK(std::filesystem::exists(c.init), "--init: no such file: ", c.init);
    load_module(c.init, model);
  }
  LossFn loss_fn = make_loss(loss_name);

  const Index n = data.x_train.rows();
  const std::int64_t batches_per_epoch = (n + c.batch_size - 1) / c.batch_size;
  std::int64_t total_steps = c.epochs * batches_per_epoch / c.accumulate;
  if (c.max_steps > 0) total_steps = std::min(total_steps, c.max_steps);
  LOCKSTEP_CHECK(total_steps >= 1, "--accumulate ", c.accumulate, " needs more than the ",
                 c.epochs * batches_per_epoch, " batches of the run");

  auto optimizer = make_optimizer(c, model.parameters());
  auto schedule = make_schedule(c, *optimizer, total_steps);
  double grad_norm = std::numeric_limits<double>::quiet_NaN();
  DataParallelOptions dp_options{
      .threads = threads, .micro_shards = c.micro_shards, .accumulate = c.accumulate};
  if (c.clip_grad_norm > 0) {
    const std::vector<Var> params = model.parameters();
    dp_options.before_update = [params, &grad_norm, max = c.clip_grad_norm] {
      grad_norm = clip_grad_norm_(params, max);
    };
  }
  DataParallel dp(model, loss_fn, *optimizer, dp_options);

  TrainProgress progress;
  if (checkpoint) {
    checkpoint->restore(model, *optimizer, schedule.get());
    progress = checkpoint->progress;
  }

  // --- loader, trace, metrics
  TraceRecorder trace(!c.trace.empty());
  trace.name_thread(TraceRecorder::kMainThread, "main (data wait, all-reduce+update)");
  for (int r = 0; r < threads; ++r)
    trace.name_thread(TraceRecorder::kReplicaBase + r, "replica " + std::to_string(r));
  DataLoaderOptions lo;
  lo.batch_size = c.batch_size;
  lo.shuffle = c.shuffle;
  lo.seed = Generator::derive(c.seed, {kLoaderStream}).next_u64();
  lo.num_workers = c.loader_workers;
  lo.prefetch_factor = c.prefetch;
  lo.persistent_workers = c.loader_workers > 0;
  if (trace.enabled())
    lo.collate_fn = [&trace](const Dataset& ds, std::span<const Index> idx, Batch& batch) {
      const double t0 = trace.now_us();
      ds.get_batch(idx, batch.x, batch.y);  // what the loader does without a collate_fn
      trace.complete("load batch", trace.worker_tid(), t0, trace.now_us() - t0, batch.index);
    };
  DataLoader loader(std::make_shared<TensorDataset>(data.x_train, data.y_train), lo);
  MetricsLog metrics(c.metrics);

  say("lockstep %s: %s\n", lockstep_version(), data.description.c_str());
  say("model: %s, %lld parameters; loss %s, optimizer %s (lr %g)\n", describe(spec).c_str(),
      (long long)model.num_parameters(), loss_name.c_str(), c.optimizer.c_str(), c.lr);
  say("training on %lld samples%s, batch %lld, %lld epochs (%lld steps), %d replicas, %d loader "
      "workers\n",
      (long long)n,
      data.has_val() ? (", validating on " + std::to_string(data.x_val.rows())).c_str() : "",
      (long long)c.batch_size, (long long)c.epochs, (long long)total_steps, threads,
      c.loader_workers);
  if (checkpoint)
    say("resumed from %s at step %lld (epoch %lld, batch %lld)\n", checkpoint->path.c_str(),
        (long long)progress.step, (long long)progress.epoch + 1, (long long)progress.batch);
  if (out) std::fflush(out);

  const std::string config_json = config_to_json(c);
  TrainResult result;
  std::int64_t step = progress.step;
  std::int64_t batches_since_step = 0;  // batches accumulated towards the next step
  auto write_checkpoint = [&](const TrainProgress& p) {
    if (c.checkpoint_dir.empty()) return;
    save_checkpoint(c.checkpoint_dir, model, *optimizer, schedule.get(), p, config_json);
    result.checkpoint = checkpoint_file(c.checkpoint_dir).string();
  };

  Phases total, window;
  auto window_start = Clock::now();
  auto last_draw = Clock::now() - std::chrono::seconds(1);
  const double train_start_us = trace.now_us();
  const auto train_start = Clock::now();
  std::int64_t samples_this_run = 0;
  bool done = step >= total_steps;
  bool interrupted = false;

  for (std::int64_t epoch = progress.epoch; epoch < c.epochs && !done; ++epoch) {
    const auto epoch_start = Clock::now();
    const bool resumed_epoch = checkpoint && epoch == progress.epoch;
    const std::int64_t skip = resumed_epoch ? progress.batch : 0;
    double epoch_loss_sum = resumed_epoch ? progress.epoch_loss_sum : 0;
    std::int64_t epoch_samples = resumed_epoch ? progress.epoch_samples : 0;
    bool epoch_finished = true;
    if (skip < batches_per_epoch) {
      loader.set_epoch(epoch);
      auto wait_start = Clock::now();
      double wait_start_us = trace.now_us();
      for (auto it = loader.begin(); it != loader.end();) {
        const Batch& batch = *it;
        if (batch.index < skip) {
          ++it;
          wait_start = Clock::now();
          wait_start_us = trace.now_us();
          continue;
        }
        const double wait = since(wait_start);
        const double step_start_us = trace.now_us();
        trace.complete("data wait", TraceRecorder::kMainThread, wait_start_us,
                       step_start_us - wait_start_us, step);
        // Dropout masks are keyed on the batch number: the same on a resumed run.
        dp.set_batches(std::uint64_t(epoch * batches_per_epoch + batch.index));
        const StepStats& s = dp.step(batch.x, batch.y);
        LOCKSTEP_CHECK(std::isfinite(s.loss), "the loss became ", s.loss, " at step ", step + 1,
                       " (epoch ", epoch + 1, ", batch ", batch.index + 1,
                       "); stopping. Try a lower --lr or --clip-grad-norm",
                       c.checkpoint_dir.empty()
                           ? std::string()
                           : "; the last good checkpoint is in " + c.checkpoint_dir);
        if (trace.enabled()) {
          for (int r = 0; r < threads; ++r)
            trace.complete("forward/backward", TraceRecorder::kReplicaBase + r, step_start_us,
                           s.forward_backward_s[std::size_t(r)] * 1e6, step);
          trace.complete("all-reduce+update", TraceRecorder::kMainThread,
                         step_start_us + (s.total_s - s.reduce_update_s) * 1e6,
                         s.reduce_update_s * 1e6, step);
        }
        epoch_loss_sum += s.loss * double(s.samples);
        epoch_samples += s.samples;
        samples_this_run += s.samples;
        total.add(wait, s);
        window.add(wait, s);
        ++batches_since_step;
        const Index batch_index = batch.index;
        bool stop_now = false;
        if (s.stepped) {
          ++step;
          batches_since_step = 0;
          total.steps += 1;
          const double lr_used = optimizer->lr();
          if (schedule) schedule->step();
          if (metrics.enabled() && c.log_every > 0 && step % c.log_every == 0) {
            const double secs = since(window_start);
            metrics.record({{"type", "step"}},
                           {{"step", double(step)},
                            {"epoch", double(epoch + 1)},
                            {"batch", double(batch_index + 1)},
                            {"loss", s.loss},
                            {"lr", lr_used},
                            {"samples_per_s", window.samples / std::max(secs, 1e-9)},
                            {"data_wait_s", window.data_wait},
                            {"forward_backward_s", window.forward_backward},
                            {"reduce_update_s", window.reduce_update},
                            {"imbalance", window.forward_backward /
                                              std::max(window.forward_backward_mean, 1e-12)},
                            {"grad_norm", grad_norm}});
            window = Phases{};
            window_start = Clock::now();
          }
          if (c.checkpoint_every > 0 && step % c.checkpoint_every == 0)
            write_checkpoint({epoch, batch_index + 1, step, epoch_loss_sum, epoch_samples});
          if (c.stop_after_steps > 0 && step == c.stop_after_steps) request_stop(SIGINT);
          if (step >= total_steps) {
            done = true;
            stop_now = true;
            epoch_finished = batch_index + 1 == batches_per_epoch;
          } else if (stop_signal() != 0) {
            interrupted = true;
            stop_now = true;
            write_checkpoint({epoch, batch_index + 1, step, epoch_loss_sum, epoch_samples});
          }
        }
        if (live && (since(last_draw) > 0.1 || stop_now)) {
          last_draw = Clock::now();
          const double elapsed = since(train_start);
          const double rate = double(samples_this_run) / std::max(elapsed, 1e-9);
          const double steps_done_here = double(total.steps);
          const double eta =
              steps_done_here > 0 ? elapsed / steps_done_here * double(total_steps - step) : 0.0;
          std::fprintf(output_.progress,
                       "\r\033[KEpoch %lld/%lld  batch %lld/%lld  loss %.4f  %.0f samples/s  "
                       "ETA %s",
                       (long long)epoch + 1, (long long)c.epochs, (long long)batch_index + 1,
                       (long long)batches_per_epoch, epoch_loss_sum / double(epoch_samples), rate,
                       format_seconds(eta).c_str());
          std::fflush(output_.progress);
        }
        if (stop_now) break;
        wait_start = Clock::now();
        wait_start_us = trace.now_us();
        ++it;
      }
    }
    if (live) {
      std::fprintf(output_.progress, "\r\033[K");
      std::fflush(output_.progress);
    }
    if (interrupted) break;
    // --- end of the epoch (or of the run, part-way through one)
    const double train_loss = epoch_samples > 0 ? epoch_loss_sum / double(epoch_samples) : NAN;
    result.train_loss = train_loss;
    const double val_t0 = trace.now_us();
    if (data.has_val()) {
      EvalResult v =
          evaluate(model, loss_fn, data.x_val, data.y_val,
                   data.classification ? Index(data.class_names.size()) : 0, data.class_names);
      result.val_loss = v.loss;
      if (data.classification) result.val_accuracy = v.accuracy;
      trace.complete("validation", TraceRecorder::kMainThread, val_t0, trace.now_us() - val_t0);
    }
    if (epoch_finished) result.epochs_completed = epoch + 1;
    std::string line = "Epoch " + std::to_string(epoch + 1) + " Loss ";
    char buf[160];
    std::snprintf(buf, sizeof buf, "%.4f", train_loss);
    line += buf;
    if (data.has_val()) {
      std::snprintf(buf, sizeof buf, "  val_loss %.4f", result.val_loss);
      line += buf;
      if (data.classification) {
        std::snprintf(buf, sizeof buf, "  val_accuracy %.4f", result.val_accuracy);
        line += buf;
      }
    }
    if (!epoch_finished) line += "  (stopped at --max-steps)";
    say("%s\n", line.c_str());
    if (out) std::fflush(out);
    metrics.record(
        {{"type", "epoch"}},
        {{"step", double(step)},
         {"epoch", double(epoch + 1)},
         {"loss", train_loss},
         {"lr", optimizer->lr()},
         {"samples_per_s", double(epoch_samples - (resumed_epoch ? progress.epoch_samples : 0)) /
                               std::max(since(epoch_start), 1e-9)},
         {"epoch_s", since(epoch_start)},
         {"val_loss", result.val_loss},
         {"val_accuracy", result.val_accuracy}});
    if (!done && c.checkpoint_every == 0 && batches_since_step == 0)
      write_checkpoint({epoch + 1, 0, step, 0.0, 0});
  }

  result.steps = step;
  result.seconds = since(train_start);
  result.samples_per_s = double(samples_this_run) / std::max(result.seconds, 1e-9);
  trace.complete("training", TraceRecorder::kMainThread, train_start_us,
                 trace.now_us() - train_start_us);

  if (interrupted) {
    result.stopped_by_signal = stop_signal();
    metrics.commit();
    if (trace.enabled()) trace.write(c.trace);
    std::fprintf(output_.progress, "interrupted (%s) after step %lld; %s\n",
                 result.stopped_by_signal == SIGTERM ? "SIGTERM" : "SIGINT", (long long)step,
                 result.checkpoint.empty()
                     ? "no checkpoint written (no --checkpoint-dir)"
                     : ("checkpoint written to " + c.checkpoint_dir +
                        " (continue with: lockstep train --resume " + c.checkpoint_dir + ")")
                           .c_str());
    return result;
  }

  if (!c.checkpoint_dir.empty() && batches_since_step == 0)
    write_checkpoint({c.epochs, 0, step, 0.0, 0});
  if (!c.save.empty()) {
    ModelInfo info;
    info.spec = spec;
    info.classification = data.classification;
    info.loss = loss_name;
    if (c.standardize) {
      info.mean = data.scaler.mean();
      info.stddev = data.scaler.stddev();
    }
    info.class_names = data.class_names;
    info.feature_names = data.feature_names;
    info.target = data.target_name;
    if (c.data.starts_with("synthetic-")) {
      info.synthetic_samples = c.samples;
      info.synthetic_seed = c.seed;
    }
    save_model_file(c.save, model, info);
  }
  metrics.commit();
  if (trace.enabled()) trace.write(c.trace);

  // --- summary
  const double busy = std::max(result.seconds, 1e-12);
  const double sync =
      std::max(0.0, total.step_total - total.forward_backward - total.reduce_update);
  const double other = std::max(0.0, busy - total.data_wait - total.step_total);
  say("done: %lld steps in %.2f s, %.0f samples/s (%d replicas, %d loader workers)\n",
      (long long)(step - progress.step), result.seconds, result.samples_per_s, threads,
      c.loader_workers);
  say("time: data wait %.1f%%, forward/backward %.1f%%, all-reduce+update %.1f%%, replica "
      "start/sync %.1f%%, other (validation, logging, checkpoints) %.1f%%\n",
      100 * total.data_wait / busy, 100 * total.forward_backward / busy,
      100 * total.reduce_update / busy, 100 * sync / busy, 100 * other / busy);
  if (total.forward_backward_mean > 0)
    say("replica imbalance: the slowest replica took %.2fx the mean forward/backward time\n",
        total.forward_backward / total.forward_backward_mean);
  if (data.has_val()) {
    if (data.classification)
      say("validation: loss %.4f, accuracy %.4f\n", result.val_loss, result.val_accuracy);
    else
      say("validation: loss %.4f\n", result.val_loss);
  }
  if (!c.save.empty()) say("model saved to %s\n", c.save.c_str());
  if (!result.checkpoint.empty()) say("checkpoint in %s\n", c.checkpoint_dir.c_str());
  return result;
}

}  // namespace lockstep
