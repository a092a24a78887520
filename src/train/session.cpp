#include "train/session.hpp"

#include <algorithm>
#include <filesystem>

#include "lockstep/core/error.hpp"
#include "lockstep/core/rng.hpp"
#include "lockstep/data/image_transforms.hpp"
#include "lockstep/io/state_dict.hpp"
#include "lockstep/nn/loss.hpp"
#include "lockstep/train/components.hpp"
#include "lockstep/train/output_paths.hpp"
#include "lockstep/train/resume.hpp"
#include "lockstep/train/trainer.hpp"

namespace lockstep {

namespace {

// Stream keys of Generator::derive(seed, {key}) for the run's independent random streams.
constexpr std::uint64_t kInitStream = 0x1A17ULL;
constexpr std::uint64_t kLoaderStream = 0x10ADULL;

// The data, the loss that fits it, and the model.
void open_data_and_model(TrainSession& s) {
  const TrainConfig& c = s.config;
  s.data = prepare_data(c);
  LOCKSTEP_CHECK(c.loss != "cross-entropy" || s.data.classification,
                 "--loss cross-entropy needs class labels, but the target of ", c.data,
                 " is numeric (use --task classification for integer labels)");
  s.loss_name = c.loss != "auto" ? c.loss : (s.data.classification ? "cross-entropy" : "mse");
  if (s.data.classification && s.loss_name != "cross-entropy") {
    // A regression loss on class ids: train on the ids as numbers.
    s.data.classification = false;
    s.data.class_names.clear();
  }
  s.spec = {c.model, c.activation, c.dropout, s.data.features(), s.data.outputs(), s.data.image};
  s.model = build_model(s.spec, Generator::derive(c.seed, {kInitStream}).next_u64());
  if (!c.init.empty()) {
    LOCKSTEP_CHECK(std::filesystem::exists(c.init), "--init: no such file: ", c.init);
    load_module(c.init, s.net());
  }
  s.loss = make_loss(s.loss_name);
}

// The run's length in batches and optimizer steps.
void count_steps(TrainSession& s) {
  const TrainConfig& c = s.config;
  const Index n = s.data.train->size();
  // Overflow-checked: huge --epochs or --batch-size must be refused by name, not wrap around.
  s.batches_per_epoch = n / c.batch_size + (n % c.batch_size != 0 ? 1 : 0);
  Index batches = 0;
  LOCKSTEP_CHECK(!__builtin_mul_overflow(Index(c.epochs), s.batches_per_epoch, &batches),
                 "--epochs ", c.epochs, " x ", s.batches_per_epoch,
                 " batches per epoch (--batch-size ", c.batch_size, " of ", n,
                 " samples) overflows the step count");
  s.total_steps = batches / c.accumulate;
  if (c.max_steps > 0) s.total_steps = std::min(s.total_steps, c.max_steps);
  LOCKSTEP_CHECK(s.total_steps >= 1, "--accumulate ", c.accumulate, " needs more than the ",
                 batches, " batches of the run (--epochs ", c.epochs, ", --batch-size ",
                 c.batch_size, ")");
}

std::unique_ptr<DataLoader> make_loader(const TrainSession& s, CollateFn load_batch) {
  const TrainConfig& c = s.config;
  DataLoaderOptions lo;
  lo.batch_size = c.batch_size;
  lo.shuffle = c.shuffle;
  lo.seed = Generator::derive(c.seed, {kLoaderStream}).next_u64();
  lo.num_workers = c.loader_workers;
  lo.prefetch_factor = c.prefetch;
  lo.persistent_workers = c.loader_workers > 0;
  lo.collate_fn = std::move(load_batch);
  if (!c.augment.empty() && c.augment != "none") {
    LOCKSTEP_CHECK(s.data.image.channels > 0, "--augment ", c.augment,
                   " needs images: an IDX images file, or --image C,H,W for .npy and CSV data");
    // Applied to the standardized samples: a crop's padding is 0 there, each pixel's mean.
    lo.transform = parse_augmentation(c.augment, s.data.image, "--augment");
  }
  return std::make_unique<DataLoader>(s.data.train, lo);
}

}  // namespace

TrainSession open_config(const TrainConfig& given) {
  TrainSession s;
  s.config = given;
  if (!given.resume.empty()) {
    const std::string dir = resume_directory(given);
    s.config.resume = dir;
    if (!resumes_a_checkpoint(given)) {
      // Nothing to resume yet: this is the run's start, checkpointing where it will resume.
      s.starting_in = dir;
      s.config.resume.clear();
      if (s.config.checkpoint_dir.empty()) s.config.checkpoint_dir = dir;
    } else {
      s.checkpoint = read_checkpoint(dir);
      try {
        s.config = resume_config(s.config, s.checkpoint->config_json);
      } catch (const ResumeConflict& e) {
        throw ResumeConflict(detail::str_cat(s.checkpoint->path, ": ", e.what()));
      } catch (const Error& e) {
        std::throw_with_nested(Error(detail::str_cat(s.checkpoint->path, ": ", e.what())));
      }
    }
  }
  s.config.validate();
  s.threads = s.config.resolved_threads();
  return s;
}

void open_session(TrainSession& s, CollateFn load_batch) {
  const TrainConfig& c = s.config;
  check_outputs(c);  // before any work is done
  open_data_and_model(s);
  count_steps(s);
  s.optimizer = make_optimizer(c, s.net().parameters());
  s.schedule = make_schedule(c, *s.optimizer, s.total_steps);
  s.dp = std::make_unique<DataParallel>(s.net(), s.loss, *s.optimizer,
                                        DataParallelOptions{.threads = s.threads,
                                                            .micro_shards = c.micro_shards,
                                                            .accumulate = c.accumulate,
                                                            .max_grad_norm = c.clip_grad_norm});
  if (s.checkpoint) {
    s.checkpoint->restore(s.net(), *s.optimizer, s.schedule.get());
    s.start = s.checkpoint->progress;
  }
  s.loader = make_loader(s, std::move(load_batch));
}

}  // namespace lockstep
