// Trainer: a run interrupted (config.stop_after_steps) with a checkpoint directory and resumed
// with config.resume ends bit-identical to the uninterrupted run — parameters, optimizer and
// schedule state, losses — with other thread counts, with dropout, mid-epoch and at epoch
// boundaries, and resumed more than once. Tiny runs on the built-in Iris set.
#include <gtest/gtest.h>

#include <bit>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "io/io_test_util.hpp"
#include "lockstep/io/safetensors.hpp"
#include "lockstep/train/checkpoint.hpp"
#include "lockstep/train/config.hpp"
#include "lockstep/train/stop_signal.hpp"
#include "lockstep/train/trainer.hpp"

namespace lockstep {
namespace {

namespace fs = std::filesystem;
using io_test::read_bytes;
using io_test::TempDir;
using testing::error_of;

// Iris: 150 samples, 120 for training; batches of 16 give 8 batches (steps) per epoch.
constexpr std::int64_t kStepsPerEpoch = 8;
constexpr std::int64_t kEpochs = 3;

TrainConfig tiny() {
  TrainConfig c;
  c.data = "iris";
  c.model = "mlp:8";
  c.batch_size = 16;
  c.epochs = kEpochs;
  c.lr = 0.05;
  c.threads = 1;
  c.quiet = true;
  return c;
}

std::uint32_t bits(float v) { return std::bit_cast<std::uint32_t>(v); }
std::uint64_t bits(double v) { return std::bit_cast<std::uint64_t>(v); }

class Resume : public ::testing::Test {
 protected:
  void SetUp() override {
    clear_stop_request();
    sink_ = std::tmpfile();
    ASSERT_NE(sink_, nullptr);
  }
  void TearDown() override {
    clear_stop_request();
    if (sink_) std::fclose(sink_);
  }

  TrainResult train(const TrainConfig& c) {
    clear_stop_request();
    TrainResult r = Trainer(c, TrainOutput{.out = sink_, .progress = sink_}).run();
    clear_stop_request();
    return r;
  }

  /// The uninterrupted run, with its final checkpoint in `ck` and its model in `model`.
  TrainResult full_run(TrainConfig c, const std::string& name = "full") {
    c.checkpoint_dir = (dir_ / (name + "_ck")).string();
    c.save = (dir_ / (name + ".safetensors")).string();
    return train(c);
  }

  /// The run stopped after `steps` steps, checkpointing in DIR/part_ck.
  TrainResult interrupted_run(TrainConfig c, std::int64_t steps) {
    c.checkpoint_dir = (dir_ / "part_ck").string();
    c.save = (dir_ / "part.safetensors").string();
    c.stop_after_steps = steps;
    TrainResult r = train(c);
    EXPECT_EQ(r.stopped_by_signal, SIGINT);
    EXPECT_EQ(r.steps, steps);
    EXPECT_EQ(r.checkpoint, checkpoint_file(c.checkpoint_dir).string());
    EXPECT_FALSE(fs::exists(c.save)) << "an interrupted run saved its model";
    const Checkpoint ck = read_checkpoint(c.checkpoint_dir);
    EXPECT_EQ(ck.progress.step, steps);
    return r;
  }

  /// A run given only `resume` (and threads, output): the rest comes from the checkpoint.
  TrainResult resumed_run(int threads, const std::string& from = "part_ck") {
    TrainConfig c;
    c.resume = (dir_ / from).string();
    c.threads = threads;
    c.quiet = true;
    c.save = (dir_ / "resumed.safetensors").string();
    return train(c);
  }

  /// Every tensor and field of the two final checkpoints, and the two model files, agree.
  void expect_same_end(const TrainResult& full, const TrainResult& resumed,
                       const std::string& full_name = "full",
                       const std::string& resumed_ck = "part_ck") {
    EXPECT_EQ(resumed.stopped_by_signal, 0);
    EXPECT_EQ(resumed.steps, full.steps);
    EXPECT_EQ(resumed.epochs_completed, full.epochs_completed);
    EXPECT_EQ(bits(resumed.train_loss), bits(full.train_loss));
    EXPECT_EQ(bits(resumed.val_loss), bits(full.val_loss));
    EXPECT_EQ(bits(resumed.val_accuracy), bits(full.val_accuracy));

    const Checkpoint a = read_checkpoint(dir_ / (full_name + "_ck"));
    const Checkpoint b = read_checkpoint(dir_ / resumed_ck);
    // The same result settings (the outputs, --save among them, may differ).
    EXPECT_EQ(config_to_json(config_from_json(a.config_json)),
              config_to_json(config_from_json(b.config_json)));
    EXPECT_EQ(a.progress.epoch, b.progress.epoch);
    EXPECT_EQ(a.progress.batch, b.progress.batch);
    EXPECT_EQ(a.progress.step, b.progress.step);
    ASSERT_EQ(a.file.entries.size(), b.file.entries.size());
    for (std::size_t i = 0; i < a.file.entries.size(); ++i) {
      const SafetensorsEntry &ea = a.file.entries[i], &eb = b.file.entries[i];
      ASSERT_EQ(ea.name, eb.name);
      ASSERT_EQ(ea.tensor.numel(), eb.tensor.numel()) << ea.name;
      std::size_t differing = 0;
      for (Index k = 0; k < ea.tensor.numel(); ++k)
        differing += bits(ea.tensor.data()[k]) != bits(eb.tensor.data()[k]);
      EXPECT_EQ(differing, 0u) << ea.name << ": " << differing << " of " << ea.tensor.numel()
                               << " values differ";
    }
    const std::string ma = read_bytes(dir_ / (full_name + ".safetensors"));
    const std::string mb = read_bytes(dir_ / "resumed.safetensors");
    ASSERT_FALSE(ma.empty());
    EXPECT_TRUE(ma == mb) << "the model files differ";
  }

  /// The model parameters of a checkpoint, for telling runs apart.
  std::vector<float> model_values(const std::string& ck) {
    std::vector<float> out;
    for (const SafetensorsEntry& e : read_checkpoint(dir_ / ck).file.entries)
      if (e.name.rfind("model/", 0) == 0)
        for (float v : e.tensor.span()) out.push_back(v);
    return out;
  }

  TempDir dir_;
  std::FILE* sink_ = nullptr;
};

TEST_F(Resume, TheUninterruptedRunIsWhatTheTestsCompareWith) {
  const TrainResult full = full_run(tiny());
  EXPECT_EQ(full.steps, kEpochs * kStepsPerEpoch);
  EXPECT_EQ(full.epochs_completed, kEpochs);
  EXPECT_EQ(full.stopped_by_signal, 0);
  EXPECT_TRUE(fs::exists(dir_ / "full.safetensors"));
  const Checkpoint ck = read_checkpoint(dir_ / "full_ck");
  EXPECT_EQ(ck.progress.epoch, kEpochs);
  EXPECT_EQ(ck.progress.batch, 0);
  EXPECT_EQ(ck.progress.step, kEpochs * kStepsPerEpoch);
  // The same configuration again gives the same bits; another seed does not.
  TrainConfig again = tiny();
  const TrainResult second = full_run(again, "second");
  EXPECT_EQ(bits(second.train_loss), bits(full.train_loss));
  EXPECT_EQ(model_values("second_ck"), model_values("full_ck"));
  again.seed = 2;
  full_run(again, "other_seed");
  EXPECT_NE(model_values("other_seed_ck"), model_values("full_ck"));
}

TEST_F(Resume, MidEpochIsBitIdentical) {
  const TrainResult full = full_run(tiny());
  interrupted_run(tiny(), 5);
  const Checkpoint ck = read_checkpoint(dir_ / "part_ck");
  EXPECT_EQ(ck.progress.epoch, 0);
  EXPECT_EQ(ck.progress.batch, 5);
  EXPECT_EQ(ck.progress.epoch_samples, 5 * 16);
  EXPECT_GT(ck.progress.epoch_loss_sum, 0);
  // The interrupted state is not the final one (the comparison below can fail).
  EXPECT_NE(model_values("part_ck"), model_values("full_ck"));
  expect_same_end(full, resumed_run(1));
}

TEST_F(Resume, WithOtherThreadCountsIsBitIdentical) {
  TrainConfig c = tiny();
  c.optimizer = "sgd";
  c.momentum = 0.9;
  c.nesterov = true;
  c.schedule = "cosine";
  c.warmup_steps = 3;
  c.clip_grad_norm = 1;
  c.weight_decay = 1e-3;
  const TrainResult full = full_run(c);  // 1 thread
  c.threads = 2;
  interrupted_run(c, 11);
  expect_same_end(full, resumed_run(1));
  // And the other way round: interrupted on 1 thread, resumed on 2.
  c.threads = 1;
  interrupted_run(c, 11);
  expect_same_end(full, resumed_run(2));
}

TEST_F(Resume, WithDropoutIsBitIdentical) {
  TrainConfig c = tiny();
  c.model = "mlp:8,8";
  c.dropout = 0.3;
  c.schedule = "step";
  c.lr_step_size = 5;
  c.threads = 2;
  const TrainResult full = full_run(c);
  // Dropout changes the result (so the masks are part of what must be replayed).
  TrainConfig no_dropout = c;
  no_dropout.dropout = 0;
  full_run(no_dropout, "no_dropout");
  EXPECT_NE(model_values("no_dropout_ck"), model_values("full_ck"));
  c.threads = 1;
  interrupted_run(c, 13);
  expect_same_end(full, resumed_run(2));
}

TEST_F(Resume, WithGradientAccumulationIsBitIdentical) {
  TrainConfig c = tiny();
  c.accumulate = 2;  // 4 steps per epoch
  const TrainResult full = full_run(c);
  EXPECT_EQ(full.steps, kEpochs * kStepsPerEpoch / 2);
  interrupted_run(c, 3);
  EXPECT_EQ(read_checkpoint(dir_ / "part_ck").progress.batch, 6);
  expect_same_end(full, resumed_run(2));
}

TEST_F(Resume, FromAPeriodicCheckpointMidEpoch) {
  TrainConfig c = tiny();
  const TrainResult full = full_run(c);
  c.checkpoint_every = 3;
  interrupted_run(c, 12);  // epoch 2, batch 4: a checkpoint_every step
  const Checkpoint ck = read_checkpoint(dir_ / "part_ck");
  EXPECT_EQ(ck.progress.epoch, 1);
  EXPECT_EQ(ck.progress.batch, 4);
  EXPECT_EQ(ck.progress.epoch_samples, 4 * 16);
  expect_same_end(full, resumed_run(2));
}

TEST_F(Resume, AtTheLastBatchOfAnEpoch) {
  const TrainResult full = full_run(tiny());
  interrupted_run(tiny(), kStepsPerEpoch);  // stopped after the epoch's last step
  const Checkpoint ck = read_checkpoint(dir_ / "part_ck");
  EXPECT_EQ(ck.progress.epoch, 0);
  EXPECT_EQ(ck.progress.batch, kStepsPerEpoch);
  EXPECT_EQ(ck.progress.epoch_samples, 120);
  expect_same_end(full, resumed_run(2));
}

TEST_F(Resume, AtAnEpochBoundary) {
  const TrainResult full = full_run(tiny());
  interrupted_run(tiny(), 2 * kStepsPerEpoch);
  // What the trainer writes at the end of an epoch: the next epoch, its first batch. The
  // parameters are those after the epoch's last step (validation changes nothing).
  SafetensorsFile file = read_checkpoint(dir_ / "part_ck").file;
  file.metadata["progress"] = R"({"epoch": 2, "batch": 0, "step": )" +
                              std::to_string(2 * kStepsPerEpoch) +
                              R"(, "epoch_loss_sum": 0, "epoch_samples": 0})";
  write_safetensors(checkpoint_file(dir_ / "part_ck"), file.entries, file.metadata);
  expect_same_end(full, resumed_run(1));
}

TEST_F(Resume, TwiceOnDifferentThreadCounts) {
  TrainConfig c = tiny();
  c.optimizer = "adamw";
  c.weight_decay = 0.01;
  const TrainResult full = full_run(c);
  c.threads = 2;
  interrupted_run(c, 3);
  // The first resumption is itself interrupted, writing every 4 steps.
  TrainConfig second;
  second.resume = (dir_ / "part_ck").string();
  second.threads = 1;
  second.quiet = true;
  second.checkpoint_every = 4;
  second.stop_after_steps = 14;
  const TrainResult r = train(second);
  EXPECT_EQ(r.stopped_by_signal, SIGINT);
  EXPECT_EQ(r.steps, 14);
  const Checkpoint ck = read_checkpoint(dir_ / "part_ck");  // written where it resumed from
  EXPECT_EQ(ck.progress.step, 14);
  EXPECT_EQ(ck.progress.epoch, 1);
  EXPECT_EQ(ck.progress.batch, 6);
  expect_same_end(full, resumed_run(2));
}

TEST_F(Resume, IntoAnotherCheckpointDirectoryLeavesTheFirstAsItWas) {
  const TrainResult full = full_run(tiny());
  interrupted_run(tiny(), 6);
  const std::string before = read_bytes(checkpoint_file(dir_ / "part_ck"));
  TrainConfig c;
  c.resume = (dir_ / "part_ck").string();
  c.checkpoint_dir = (dir_ / "next_ck").string();
  c.threads = 2;
  c.quiet = true;
  c.save = (dir_ / "resumed.safetensors").string();
  const TrainResult resumed = train(c);
  EXPECT_EQ(read_bytes(checkpoint_file(dir_ / "part_ck")), before);
  expect_same_end(full, resumed, "full", "next_ck");
}

TEST_F(Resume, AFinishedRunResumedSaysSoAndChangesNothing) {
  const TrainResult full = full_run(tiny());
  fs::copy(dir_ / "full_ck", dir_ / "done_ck");
  const std::string before = read_bytes(checkpoint_file(dir_ / "done_ck"));
  TrainConfig c;
  c.resume = (dir_ / "done_ck").string();
  c.save = (dir_ / "resumed.safetensors").string();
  c.metrics = (dir_ / "resumed.jsonl").string();
  std::string said;
  {
    std::FILE* out = std::tmpfile();
    clear_stop_request();
    const TrainResult again = Trainer(c, TrainOutput{.out = out, .progress = out}).run();
    EXPECT_EQ(again.steps, full.steps);
    EXPECT_EQ(again.epochs_completed, full.epochs_completed);
    std::rewind(out);
    char buf[512];
    while (std::fgets(buf, sizeof buf, out)) said += buf;
    std::fclose(out);
  }
  EXPECT_NE(said.find("is finished"), std::string::npos) << said;
  EXPECT_EQ(said.find("nan"), std::string::npos) << said;
  EXPECT_EQ(read_bytes(checkpoint_file(dir_ / "done_ck")), before);
  EXPECT_FALSE(fs::exists(dir_ / "resumed.safetensors"));
  EXPECT_FALSE(fs::exists(dir_ / "resumed.jsonl"));
}

// The same job command starts and resumes a run: with no checkpoint in the resume directory
// yet, the run starts there, and ends as the plain run does.
TEST_F(Resume, WithNoCheckpointYetTheRunStartsAndCheckpointsThere) {
  const TrainResult full = full_run(tiny());
  TrainConfig c = tiny();
  c.resume = (dir_ / "fresh_ck").string();
  const TrainResult r = train(c);
  EXPECT_EQ(r.steps, full.steps);
  EXPECT_EQ(bits(r.train_loss), bits(full.train_loss));
  EXPECT_EQ(model_values("fresh_ck"), model_values("full_ck"));
}

// The saved run settings are parsed outside read_checkpoint(); damaged "config" metadata must
// still name the file that holds it.
TEST_F(Resume, DamagedSavedSettingsNameTheCheckpoint) {
  interrupted_run(tiny(), 2);
  SafetensorsFile file = read_checkpoint(dir_ / "part_ck").file;
  file.metadata["config"] = R"({"epochs": "three"})";
  write_safetensors(checkpoint_file(dir_ / "part_ck"), file.entries, file.metadata);
  TrainConfig c;
  c.resume = (dir_ / "part_ck").string();
  c.quiet = true;
  EXPECT_MESSAGE_HAS(error_of([&] { train(c); }), checkpoint_file(dir_ / "part_ck").string());
}

// When stop_after_steps is the run's last step, the run ends normally and leaves no stop
// request behind (the next run in the process would stop after one step).
TEST_F(Resume, ARunEndingAtStopAfterStepsLeavesNoStopRequest) {
  TrainConfig c = tiny();
  c.stop_after_steps = kEpochs * kStepsPerEpoch;
  clear_stop_request();
  const TrainResult r = Trainer(c, TrainOutput{.out = sink_, .progress = sink_}).run();
  EXPECT_EQ(r.stopped_by_signal, 0);
  EXPECT_EQ(r.steps, kEpochs * kStepsPerEpoch);
  EXPECT_EQ(stop_signal(), 0);
  // What that does to the next run in the process: it stops after its first step.
  const TrainResult next = Trainer(tiny(), TrainOutput{.out = sink_, .progress = sink_}).run();
  EXPECT_EQ(next.stopped_by_signal, 0);
  EXPECT_EQ(next.steps, kEpochs * kStepsPerEpoch);
}

TEST_F(Resume, APendingStopRequestEndsTheRunAfterOneStep) {
  TrainConfig c = tiny();
  c.checkpoint_dir = (dir_ / "sig_ck").string();
  request_stop(SIGTERM);
  const TrainResult r = Trainer(c, TrainOutput{.out = sink_, .progress = sink_}).run();
  clear_stop_request();
  EXPECT_EQ(r.stopped_by_signal, SIGTERM);
  EXPECT_EQ(r.steps, 1);
  EXPECT_EQ(read_checkpoint(dir_ / "sig_ck").progress.step, 1);
}

}  // namespace
}  // namespace lockstep
