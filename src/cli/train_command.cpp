// `lockstep train`: flags -> TrainConfig -> Trainer.
#include <unistd.h>

#include <csignal>
#include <memory>
#include <thread>

#include "commands.hpp"
#include "json_config.hpp"
#include "lockstep/core/error.hpp"
#include "lockstep/data/image_transforms.hpp"
#include "lockstep/nn/activation.hpp"
#include "lockstep/nn/loss.hpp"
#include "lockstep/train/components.hpp"
#include "lockstep/train/model_spec.hpp"
#include "lockstep/train/prepared_data.hpp"
#include "lockstep/train/stop_signal.hpp"
#include "lockstep/train/trainer.hpp"

namespace lockstep::cli {

namespace {

// Where the samples come from, and how they are split and scaled.
void add_data_flags(CLI::App* t, TrainConfig* c) {
  const char* D = "Data";
  t->add_option("--data", c->data,
                "Built-in name (" + builtin_data_names() +
                    "), a .csv file, a .npy features file or an IDX images file")
      ->group(D);
  t->add_option("--labels", c->labels, "Labels file for .npy or IDX data")->group(D);
  t->add_option("--target", c->target, "CSV target column, by name or index (default: the last)")
      ->group(D);
  t->add_option("--task", c->task,
                "auto (class labels -> classification), classification, regression")
      ->check(CLI::IsMember({"auto", "classification", "regression"}))
      ->group(D);
  t->add_option("--val-split", c->val_split, "Fraction of the data held out for validation")
      ->check(CLI::Range(0.0, 0.99))
      ->group(D);
  t->add_option("--val", c->val, "A separate validation file (instead of --val-split)")->group(D);
  t->add_option("--val-labels", c->val_labels, "Labels file of --val for .npy or IDX data")
      ->group(D);
  t->add_flag("--standardize,!--no-standardize", c->standardize,
              "Standardize features with the training split's mean and std (default: on)")
      ->group(D);
  t->add_flag("--scale-pixels,!--no-scale-pixels", c->scale_pixels,
              "Scale 8-bit IDX images to [0, 1], each byte / 255 (default: on)")
      ->group(D);
  t->add_option("--samples", c->samples, "Synthetic sets: number of samples")->group(D);
  t->add_option("--features", c->features, "Synthetic sets: number of features")->group(D);
  t->add_option("--classes", c->classes, "synthetic-classification: number of classes")->group(D);
}

// The network.
void add_model_flags(CLI::App* t, TrainConfig* c) {
  const char* M = "Model";
  t->add_option("--model", c->model,
                "linear, mlp:H1,H2,... (hidden widths), or layers, e.g. "
                "conv32k3,pool2,conv64k3,pool2,fc128: convCkK[sS][pP] (Conv2d: C channels, K x K, "
                "stride S, padding P), poolK (MaxPool2d), avgpoolK, fcH (Linear), bn (BatchNorm "
                "of the conv or fc before it, per micro-shard); each conv and fc is followed by "
                "--activation, and a Linear to the outputs ends the network")
      ->group(M);
  t->add_option("--image", c->image,
                "C,H,W of each .npy/CSV row, for image layers (IDX image files give their own)")
      ->group(M);
  t->add_option("--augment", c->augment,
                "Per-sample image augmentation, in order: flip (horizontal, p 0.5) or flip:P, "
                "cropN (pad N on every side, then a random crop back to the image size; the "
                "padding is 0 after standardization: the pixel's mean); none")
      ->group(M);
  t->add_option("--activation", c->activation, "Hidden activation: " + help_list(activations()))
      ->check(CLI::IsMember(names_of(activations())))
      ->group(M);
  t->add_option("--dropout", c->dropout, "Dropout probability after each hidden layer")
      ->check(CLI::Range(0.0, 0.99))
      ->group(M);
  t->add_option("--init", c->init, "Start from the parameters of a .safetensors file")->group(M);
}

// The loss, the optimizer and its schedule, batches and epochs.
void add_training_flags(CLI::App* t, TrainConfig* c) {
  const char* T = "Training";
  std::vector<std::string> loss_names = names_of(losses());
  loss_names.insert(loss_names.begin(), "auto");
  t->add_option("--loss", c->loss,
                "auto (cross-entropy for classes, mse otherwise), " + help_list(losses()))
      ->check(CLI::IsMember(loss_names))
      ->group(T);
  t->add_option("--optimizer", c->optimizer, help_list(optimizers()))
      ->check(CLI::IsMember(names_of(optimizers())))
      ->group(T);
  t->add_option("--lr", c->lr, "Learning rate")->group(T);
  t->add_option("--momentum", c->momentum, "SGD momentum")->group(T);
  t->add_flag("--nesterov", c->nesterov, "SGD with Nesterov momentum")->group(T);
  t->add_option("--weight-decay", c->weight_decay,
                "Weight decay (L2 for sgd/adam, decoupled for adamw)")
      ->group(T);
  t->add_option("--batch-size", c->batch_size, "Global batch size (split over the replicas)")
      ->group(T);
  t->add_option("--epochs", c->epochs, "Passes over the training data")->group(T);
  t->add_option("--accumulate", c->accumulate, "Batches per optimizer step (gradient accumulation)")
      ->group(T);
  t->add_option("--schedule", c->schedule, "Learning-rate schedule: " + help_list(schedules()))
      ->check(CLI::IsMember(names_of(schedules())))
      ->group(T);
  t->add_option("--lr-step-size", c->lr_step_size,
                "step schedule: steps between decays (0: a third of the run)")
      ->group(T);
  t->add_option("--lr-gamma", c->lr_gamma, "step schedule: decay factor")->group(T);
  t->add_option("--warmup-steps", c->warmup_steps,
                "Linear warm-up from 0.1 x lr over this many steps")
      ->group(T);
  t->add_option("--clip-grad-norm", c->clip_grad_norm, "Clip the global gradient norm (0: off)")
      ->group(T);
  t->add_option("--seed", c->seed, "Seed of the split, initialization, shuffling and dropout")
      ->group(T);
  t->add_flag("--shuffle,!--no-shuffle", c->shuffle,
              "Shuffle the training data every epoch (default: on)")
      ->group(T);
  t->add_option("--max-steps", c->max_steps,
                "The run's length in optimizer steps when shorter than --epochs (0: no limit); a "
                "resumed run ends there too")
      ->group(T);
  t->add_option("--micro-shards", c->micro_shards,
                "Micro-shards per batch (>= --threads); fixes the summation order")
      ->group(T);
}

// Threads: replicas and loader workers.
void add_parallelism_flags(CLI::App* t, TrainConfig* c) {
  const char* P = "Parallelism";
  t->add_option("--threads", c->threads,
                "Replicas (0: every core not given to loader workers, at most --micro-shards; "
                "here " +
                    std::to_string(TrainConfig{}.resolved_threads()) + ")")
      ->group(P);
  t->add_option("--loader-workers", c->loader_workers,
                "Threads preparing batches ahead (0: the main thread)")
      ->group(P);
  t->add_option("--prefetch", c->prefetch, "Batches prepared ahead per loader worker")->group(P);
}

// What the run writes, and how it resumes.
void add_output_flags(CLI::App* t, TrainConfig* c) {
  const char* O = "Output";
  t->add_option("--save", c->save,
                "Write the final model (+ standardization, class names) to this .safetensors")
      ->group(O);
  t->add_option("--checkpoint-dir", c->checkpoint_dir,
                "Write resumable checkpoints to this directory")
      ->group(O);
  t->add_option("--checkpoint-every", c->checkpoint_every,
                "Checkpoint every N steps (0: every epoch)")
      ->group(O);
  t->add_option("--resume", c->resume,
                "Continue the run checkpointed in this directory to its end; with no checkpoint "
                "there yet, start it (checkpointing there). The same command starts and resumes "
                "a job; result flags given again must equal the saved ones. auto: "
                "--checkpoint-dir")
      ->group(O);
  t->add_option(
       "--metrics", c->metrics,
       "Write metrics as JSON Lines (plot: lockstep-plot-metrics, scripts/plot_metrics.py)")
      ->group(O);
  t->add_option("--trace", c->trace,
                "Write a Chrome trace (chrome://tracing, Perfetto) of every step")
      ->group(O);
  t->add_option("--log-every", c->log_every, "Metrics line every N steps (0: per epoch only)")
      ->group(O);
  t->add_flag("--quiet,-q", c->quiet, "Print errors only")->group(O);
  t->add_option("--stop-after-steps", c->stop_after_steps,
                "Testing: act as if interrupted after N steps")
      ->group("");
}

// Flags (and --config) to a validated TrainConfig, then the run.
int run_train(CLI::App* t, TrainConfig* c, const std::string& config_path) {
  if (!config_path.empty()) apply_json_config(*t, config_path);
  // The result settings given explicitly: a resumed run checks them against its checkpoint.
  for (const std::string& name : result_field_flags())
    if (t->get_option(name)->count() > 0) c->given_flags.push_back(name);
  try {
    // A new run (also under --resume DIR when DIR holds no checkpoint yet) is checked here.
    if (!resumes_a_checkpoint(*c)) {
      c->validate();
      parse_layers(c->model);
      if (!c->image.empty()) parse_image_shape(c->image);
      if (!c->augment.empty()) parse_augmentation(c->augment, {1, 1 << 12, 1 << 12}, "--augment");
    }
  } catch (const Error& e) {
    throw UsageError(e.what());
  }
  install_stop_signal_handlers();
  TrainOutput io;
  io.live = ::isatty(STDERR_FILENO) != 0;
  try {
    TrainResult r = Trainer(*c, io).run();
    return r.stopped_by_signal ? 128 + r.stopped_by_signal : 0;
  } catch (const ResumeConflict& e) {
    throw UsageError(e.what());
  }
}

}  // namespace

Command add_train_command(CLI::App& app) {
  auto c = std::make_shared<TrainConfig>();
  CLI::App* t =
      app.add_subcommand("train", "Train a model (default: an MLP on the built-in digits set)");
  t->option_defaults()->always_capture_default();
  auto config_path = std::make_shared<std::string>();
  t->add_option("--config", *config_path,
                "Read flags from a JSON file ({\"lr\": 0.1, \"model\": \"mlp:32\"}); the command "
                "line wins");
  t->footer(
      "Cores: --threads replicas compute forward/backward in parallel and --loader-workers "
      "threads prepare batches ahead; together they should not exceed the cores. By default "
      "the loader uses no worker (in-memory data is a copy per batch) and the replicas take "
      "every core (at most --micro-shards). Results are bit-for-bit the same for every "
      "--threads and --loader-workers.\n"
      "Example: lockstep train --data iris --model mlp:16 --epochs 50 --save iris.safetensors");

  add_data_flags(t, c.get());
  add_model_flags(t, c.get());
  add_training_flags(t, c.get());
  add_parallelism_flags(t, c.get());
  add_output_flags(t, c.get());
  return [c, t, config_path]() -> int { return run_train(t, c.get(), *config_path); };
}

}  // namespace lockstep::cli
