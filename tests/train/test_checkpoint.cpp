// save_checkpoint / read_checkpoint / Checkpoint::restore: the bit-exact round trip of model,
// optimizer (SGD with momentum, Adam) and schedule state and of the progress fields; every kind
// of damaged checkpoint is a lockstep::Error naming the file; the write is atomic.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "io/io_test_util.hpp"
#include "lockstep/io/safetensors.hpp"
#include "lockstep/optim/adam.hpp"
#include "lockstep/optim/schedule.hpp"
#include "lockstep/optim/sgd.hpp"
#include "lockstep/train/checkpoint.hpp"
#include "lockstep/train/model_spec.hpp"

namespace lockstep {
namespace {

using io_test::read_bytes;
using io_test::TempDir;
using io_test::write_bytes;
using testing::error_of;

std::vector<std::uint32_t> bits(const Tensor& t) {
  std::vector<std::uint32_t> out;
  for (float v : t.span()) out.push_back(std::bit_cast<std::uint32_t>(v));
  return out;
}

const ModelSpec kSpec{.model = "mlp:5", .activation = "tanh", .inputs = 3, .outputs = 2};

// A model, its optimizer and schedule, after a few steps with made-up gradients (so that every
// state tensor holds something other than its initial value).
struct TrainingState {
  BuiltModel built;
  std::unique_ptr<Optimizer> optimizer;
  std::unique_ptr<LRScheduler> schedule;

  TrainingState(const std::string& kind, std::uint64_t seed) : built(build_model(kSpec, seed)) {
    if (kind == "sgd")
      optimizer = std::make_unique<SGD>(built.net->parameters(),
                                        SGDOptions(0.1).momentum(0.9).nesterov(true));
    else
      optimizer = std::make_unique<Adam>(built.net->parameters(), AdamOptions(0.01));
    schedule = std::make_unique<LinearWarmup>(std::make_unique<StepLR>(*optimizer, 2, 0.5), 2, 0.1);
  }
  Module& model() { return *built.net; }
  void steps(int n, int first = 0) {
    for (int s = first; s < first + n; ++s) {
      int k = 0;
      for (Var p : optimizer->parameters()) {
        Tensor g = Tensor::empty(p.value().shape());
        for (float& v : g.span()) v = 0.01f * float((k++ * 7 + s * 3) % 11) - 0.05f;
        p.set_grad(g);
      }
      optimizer->step();
      schedule->step();
    }
  }
};

void expect_same_state(TrainingState& a, TrainingState& b) {
  const auto pa = a.model().named_parameters(), pb = b.model().named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (std::size_t i = 0; i < pa.size(); ++i) {
    EXPECT_EQ(pa[i].first, pb[i].first);
    EXPECT_EQ(bits(pa[i].second.value()), bits(pb[i].second.value())) << pa[i].first;
  }
  const auto sa = a.optimizer->state_dict(), sb = b.optimizer->state_dict();
  ASSERT_EQ(sa.size(), sb.size());
  for (std::size_t i = 0; i < sa.size(); ++i) {
    EXPECT_EQ(sa[i].first, sb[i].first);
    ASSERT_EQ(sa[i].second.index(), sb[i].second.index()) << sa[i].first;  // count or tensor
    if (const auto* count = std::get_if<std::int64_t>(&sa[i].second))
      EXPECT_EQ(*count, std::get<std::int64_t>(sb[i].second)) << sa[i].first;
    else
      EXPECT_EQ(bits(std::get<Tensor>(sa[i].second)), bits(std::get<Tensor>(sb[i].second)))
          << sa[i].first;
  }
  EXPECT_EQ(a.schedule->last_epoch(), b.schedule->last_epoch());
  EXPECT_EQ(a.schedule->last_lr(), b.schedule->last_lr());
  EXPECT_EQ(a.optimizer->lr(), b.optimizer->lr());
}

const TrainProgress kProgress{.epoch = 2,
                              .batch = 5,
                              .step = 4,
                              .epoch_loss_sum = 0.1 / 3 * 1234.5,  // every bit must survive
                              .epoch_samples = 77};
const std::string kConfig = R"({"data":"iris","lr":0.25})";

void expect_exact_round_trip(const std::string& optimizer) {
  TempDir dir;
  TrainingState saved(optimizer, 1);
  saved.steps(3);
  save_checkpoint(dir.path(), saved.model(), *saved.optimizer, saved.schedule.get(), kProgress,
                  kConfig);
  EXPECT_EQ(dir.listing(), (std::set<std::string>{"checkpoint.safetensors"}));

  const Checkpoint ck = read_checkpoint(dir.path());
  EXPECT_EQ(ck.path, checkpoint_file(dir.path()).string());
  EXPECT_EQ(ck.config_json, kConfig);
  EXPECT_EQ(ck.progress.epoch, kProgress.epoch);
  EXPECT_EQ(ck.progress.batch, kProgress.batch);
  EXPECT_EQ(ck.progress.step, kProgress.step);
  EXPECT_EQ(std::bit_cast<std::uint64_t>(ck.progress.epoch_loss_sum),
            std::bit_cast<std::uint64_t>(kProgress.epoch_loss_sum));
  EXPECT_EQ(ck.progress.epoch_samples, kProgress.epoch_samples);

  TrainingState restored(optimizer, 99);  // other initial parameters
  restored.steps(1, 5);                   // and other optimizer state
  ck.restore(restored.model(), *restored.optimizer, restored.schedule.get());
  expect_same_state(saved, restored);

  // The restored run continues exactly as the saved one does.
  saved.steps(4, 3);
  restored.steps(4, 3);
  expect_same_state(saved, restored);
}

// (Plain tests, not a parameterized suite: TempDir names its directory after the suite, and a
// parameterized suite's name holds a '/'.)
TEST(Checkpoint, RoundTripOfSgdWithMomentumIsBitExact) { expect_exact_round_trip("sgd"); }
TEST(Checkpoint, RoundTripOfAdamIsBitExact) { expect_exact_round_trip("adam"); }

TEST(Checkpoint, ProgressOutOfRangeIsRefusedBeforeItIsConverted) {
  TempDir dir;
  TrainingState saved("sgd", 3);
  save_checkpoint(dir / "ck", saved.model(), *saved.optimizer, nullptr, {}, "{}");
  const auto path = dir / "ck" / "checkpoint.safetensors";
  const SafetensorsFile file = read_safetensors(path);
  for (const char* epoch : {"1e30", "1.5", "9223372036854775808", "-1"}) {
    SafetensorsMetadata meta = file.metadata;
    meta["progress"] = std::string(R"({"epoch":)") + epoch +
                       R"(,"batch":0,"step":0,"epoch_loss_sum":0.0,"epoch_samples":0})";
    write_safetensors(path, file.entries, meta);
    try {
      read_checkpoint(dir / "ck");
      ADD_FAILURE() << "epoch " << epoch << " was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("epoch"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("checkpoint.safetensors"), std::string::npos)
          << e.what();
    }
  }
}

TEST(Checkpoint, WithoutAScheduleAndBeforeTheFirstStep) {
  TempDir dir;
  TrainingState saved("sgd", 3);  // no step yet: SGD has no momentum buffers
  save_checkpoint(dir / "ck", saved.model(), *saved.optimizer, nullptr, {}, "{}");
  const Checkpoint ck = read_checkpoint(dir / "ck");
  for (const SafetensorsEntry& e : ck.file.entries)
    EXPECT_NE(e.name.rfind("model/", 0), std::string::npos) << e.name;
  EXPECT_EQ(ck.progress.epoch, 0);
  EXPECT_EQ(ck.progress.step, 0);
  TrainingState restored("sgd", 4);
  ck.restore(restored.model(), *restored.optimizer, nullptr);
  expect_same_state(saved, restored);
}

// Step counts past 2^24 (the last integer float32 holds exactly) survive a checkpoint exactly:
// Adam's per-parameter steps and the schedule's last_epoch at 2^24 + 1 are saved, read back and
// restored as they are, and the restored run continues as the saved one does. The schedule
// halves the lr at step 2^24 + 1, so a count off by one would show in the lr.
TEST(Checkpoint, StepCountsPast2To24RoundTripExactly) {
  constexpr std::int64_t k2To24 = std::int64_t{1} << 24;
  TempDir dir;
  TrainingState saved("adam", 1);
  saved.schedule = std::make_unique<StepLR>(*saved.optimizer, k2To24 + 1, 0.5);
  saved.steps(1);
  // Every count to 2^24 (still exact as a float32 tensor), then one more step.
  Optimizer::StateDict state = saved.optimizer->state_dict();
  for (auto& [name, value] : state)
    if (name.ends_with(".step")) value = Tensor::scalar(static_cast<float>(k2To24));
  saved.optimizer->load_state_dict(state);
  saved.schedule->load_state_dict({{"last_epoch", Tensor::scalar(static_cast<float>(k2To24))}});
  saved.steps(1, 1);
  ASSERT_EQ(saved.schedule->last_epoch(), k2To24 + 1);
  ASSERT_EQ(saved.schedule->last_lr(), saved.schedule->base_lr() * 0.5);

  save_checkpoint(dir.path(), saved.model(), *saved.optimizer, saved.schedule.get(), kProgress,
                  kConfig);
  const Checkpoint ck = read_checkpoint(dir.path());
  TrainingState restored("adam", 99);
  restored.schedule = std::make_unique<StepLR>(*restored.optimizer, k2To24 + 1, 0.5);
  ck.restore(restored.model(), *restored.optimizer, restored.schedule.get());
  EXPECT_EQ(restored.schedule->last_epoch(), k2To24 + 1);
  EXPECT_EQ(restored.schedule->last_lr(), restored.schedule->base_lr() * 0.5);
  expect_same_state(saved, restored);

  saved.steps(3, 2);
  restored.steps(3, 2);
  expect_same_state(saved, restored);
}

TEST(Checkpoint, TheFileHoldsTheDocumentedNames) {
  TempDir dir;
  TrainingState run("adam", 1);
  run.steps(2);
  save_checkpoint(dir.path(), run.model(), *run.optimizer, run.schedule.get(), kProgress, kConfig);
  const SafetensorsFile file = read_safetensors(checkpoint_file(dir.path()));
  for (const char* name : {"model/0.weight", "model/0.bias", "model/2.weight", "model/2.bias",
                           "optimizer/state.0.exp_avg", "optimizer/state.0.exp_avg_sq",
                           "optimizer/state.3.step", "schedule/last_epoch"})
    EXPECT_NE(file.find(name), nullptr) << name;
  // Counts are I64 scalars (exact however long the run), tensors F32.
  EXPECT_EQ(file.find("schedule/last_epoch")->dtype, SafetensorsDtype::kI64);
  EXPECT_EQ(file.find("schedule/last_epoch")->shape, (std::vector<Index>{}));
  EXPECT_EQ(file.find("schedule/last_epoch")->int64s, (std::vector<std::int64_t>{2}));
  EXPECT_EQ(file.find("optimizer/state.3.step")->int64s, (std::vector<std::int64_t>{2}));
  EXPECT_EQ(file.find("optimizer/state.0.exp_avg")->dtype, SafetensorsDtype::kF32);
  EXPECT_EQ(file.metadata.at("config"), kConfig);
}

// --- the atomic write ----------------------------------------------------------------------------

TEST(CheckpointWrite, CreatesMissingDirectories) {
  TempDir dir;
  TrainingState run("adam", 1);
  const auto nested = dir / "a" / "b" / "c";
  save_checkpoint(nested, run.model(), *run.optimizer, nullptr, kProgress, kConfig);
  EXPECT_TRUE(std::filesystem::is_regular_file(checkpoint_file(nested)));
  EXPECT_EQ(read_checkpoint(nested).progress.batch, kProgress.batch);
}

TEST(CheckpointWrite, ADirectoryThatCannotBeMadeIsAnError) {
  TempDir dir;
  write_bytes(dir / "file", "not a directory");
  TrainingState run("adam", 1);
  const std::string message = error_of([&] {
    save_checkpoint(dir / "file" / "ck", run.model(), *run.optimizer, nullptr, kProgress, kConfig);
  });
  EXPECT_MESSAGE_HAS(message, "--checkpoint-dir", (dir / "file" / "ck").string());
  EXPECT_EQ(read_bytes(dir / "file"), "not a directory");
}

TEST(CheckpointWrite, ASecondSaveReplacesTheFirstAndLeavesNoTemporaryFile) {
  TempDir dir;
  TrainingState run("adam", 1);
  save_checkpoint(dir.path(), run.model(), *run.optimizer, nullptr, kProgress, kConfig);
  run.steps(1);
  TrainProgress later = kProgress;
  later.step = 5;
  save_checkpoint(dir.path(), run.model(), *run.optimizer, nullptr, later, kConfig);
  EXPECT_EQ(dir.listing(), (std::set<std::string>{"checkpoint.safetensors"}));
  EXPECT_EQ(read_checkpoint(dir.path()).progress.step, 5);
}

TEST(CheckpointWrite, AFailedSaveLeavesThePreviousCheckpointByteIdentical) {
  TempDir dir;
  TrainingState run("adam", 1);
  run.steps(2);
  save_checkpoint(dir.path(), run.model(), *run.optimizer, run.schedule.get(), kProgress, kConfig);
  const std::string before = read_bytes(checkpoint_file(dir.path()));
  ASSERT_FALSE(before.empty());

  // A parameter gone NaN cannot be written (found while writing the temporary file).
  run.steps(1, 2);
  Var p = run.model().parameters()[1];
  p.value().data()[2] = std::numeric_limits<float>::quiet_NaN();
  const std::string message = error_of([&] {
    save_checkpoint(dir.path(), run.model(), *run.optimizer, run.schedule.get(), kProgress,
                    kConfig);
  });
  EXPECT_MESSAGE_HAS(message, checkpoint_file(dir.path()).string(), "model/0.bias", "non-finite");
  EXPECT_EQ(read_bytes(checkpoint_file(dir.path())), before);
  EXPECT_EQ(dir.listing(), (std::set<std::string>{"checkpoint.safetensors"}));
}

TEST(CheckpointWrite, ASaveFailingHalfwayLeavesThePreviousCheckpointByteIdentical) {
  TempDir dir;
  const ModelSpec big{.model = "mlp:256", .inputs = 16, .outputs = 4};  // > 16 KiB of tensors
  BuiltModel model = build_model(big, 1);
  Adam optimizer(model.net->parameters());
  save_checkpoint(dir.path(), *model.net, optimizer, nullptr, kProgress, kConfig);
  const std::string before = read_bytes(checkpoint_file(dir.path()));

  TrainProgress later = kProgress;
  later.step = 100;
  // Files may not grow past 4 KiB for a moment: the write fails (EFBIG) part-way.
  const std::string message = io_test::error_under_file_size_limit(
      4096, [&] { save_checkpoint(dir.path(), *model.net, optimizer, nullptr, later, kConfig); });

  EXPECT_MESSAGE_HAS(message, checkpoint_file(dir.path()).string());
  EXPECT_EQ(read_bytes(checkpoint_file(dir.path())), before);
  EXPECT_EQ(dir.listing(), (std::set<std::string>{"checkpoint.safetensors"}));
  EXPECT_EQ(read_checkpoint(dir.path()).progress.step, kProgress.step);
}

// --- damaged checkpoints -------------------------------------------------------------------------

class DamagedCheckpoint : public ::testing::Test {
 protected:
  void SetUp() override {
    good_.steps(2);
    save_checkpoint(dir_.path(), good_.model(), *good_.optimizer, good_.schedule.get(), kProgress,
                    kConfig);
    bytes_ = read_bytes(path());
    file_ = read_safetensors(path());
  }
  std::filesystem::path path() const { return checkpoint_file(dir_.path()); }
  /// Rewrites the checkpoint with `entries` and `metadata`.
  void rewrite(const std::vector<SafetensorsEntry>& entries, const SafetensorsMetadata& metadata) {
    write_safetensors(path(), entries, metadata);
  }
  std::vector<SafetensorsEntry> entries_without(const std::string& name) const {
    std::vector<SafetensorsEntry> out;
    for (const SafetensorsEntry& e : file_.entries)
      if (e.name != name) out.push_back(e);
    return out;
  }
  std::vector<SafetensorsEntry> entries_with(const std::string& name, SafetensorsEntry e) const {
    std::vector<SafetensorsEntry> out = entries_without(name);
    e.name = name;
    out.push_back(std::move(e));
    return out;
  }
  /// The message of read_checkpoint, checked to name the file.
  std::string read_error() {
    std::string message = error_of([&] { read_checkpoint(dir_.path()); });
    EXPECT_MESSAGE_HAS(message, path().string());
    return message;
  }
  /// The message of restoring into a fresh run, checked to name the file.
  std::string restore_error() {
    const Checkpoint ck = read_checkpoint(dir_.path());
    TrainingState fresh("adam", 7);
    std::string message =
        error_of([&] { ck.restore(fresh.model(), *fresh.optimizer, fresh.schedule.get()); });
    EXPECT_MESSAGE_HAS(message, path().string());
    return message;
  }

  TempDir dir_;
  TrainingState good_{"adam", 1};
  std::string bytes_;
  SafetensorsFile file_;
};

TEST_F(DamagedCheckpoint, NoCheckpointInTheDirectory) {
  const std::string message = error_of([&] { read_checkpoint(dir_ / "elsewhere"); });
  EXPECT_MESSAGE_HAS(message, "no checkpoint", (dir_ / "elsewhere").string(),
                     checkpoint_file(dir_ / "elsewhere").string());
}

TEST_F(DamagedCheckpoint, TruncatedFiles) {
  for (std::size_t keep : {std::size_t(0), std::size_t(4), std::size_t(8), std::size_t(40),
                           bytes_.size() / 2, bytes_.size() - 1}) {
    write_bytes(path(), bytes_.substr(0, keep));
    SCOPED_TRACE("kept " + std::to_string(keep) + " of " + std::to_string(bytes_.size()));
    read_error();
  }
}

TEST_F(DamagedCheckpoint, GarbageBytes) {
  std::string garbage(bytes_.size(), '\0');
  std::uint32_t x = 12345;
  for (char& ch : garbage) {
    x = x * 1664525u + 1013904223u;
    ch = char(x >> 24);
  }
  write_bytes(path(), garbage);
  read_error();
  // Garbage inside the JSON header, the length still right.
  std::string header_hit = bytes_;
  for (std::size_t i = 8; i < 40; ++i) header_hit[i] = '\x7f';
  write_bytes(path(), header_hit);
  read_error();
  // Trailing bytes after the data.
  write_bytes(path(), bytes_ + "trailing");
  read_error();
}

TEST_F(DamagedCheckpoint, ASafetensorsFileThatIsNotACheckpoint) {
  rewrite(file_.entries, {});
  EXPECT_MESSAGE_HAS(read_error(), "not a lockstep training checkpoint");
  for (const char* key : {"lockstep_checkpoint", "config", "progress"}) {
    SafetensorsMetadata meta = file_.metadata;
    meta.erase(key);
    rewrite(file_.entries, meta);
    SCOPED_TRACE(key);
    EXPECT_MESSAGE_HAS(read_error(), "not a lockstep training checkpoint");
  }
}

TEST_F(DamagedCheckpoint, BadProgressMetadata) {
  const std::vector<std::string> bad = {
      "",
      "not json",
      R"({"epoch": 1, "batch": 2, "step": 3, "epoch_loss_sum": 0.5})",  // no epoch_samples
      R"({"batch": 2, "step": 3, "epoch_loss_sum": 0.5, "epoch_samples": 4})",
      R"({"epoch": "one", "batch": 2, "step": 3, "epoch_loss_sum": 0.5, "epoch_samples": 4})",
      R"({"epoch": 1, "batch": 2, "step": 3, "epoch_loss_sum": "x", "epoch_samples": 4})",
      R"([1, 2, 3, 4, 5])",
      "null",
  };
  for (const std::string& progress : bad) {
    SafetensorsMetadata meta = file_.metadata;
    meta["progress"] = progress;
    rewrite(file_.entries, meta);
    SCOPED_TRACE(progress);
    EXPECT_MESSAGE_HAS(read_error(), "bad progress metadata");
  }
}

// A damaged checkpoint with a negative epoch, batch, step or sample count is refused, naming
// the file (a resumed run would otherwise silently train extra epochs or steps).
TEST_F(DamagedCheckpoint, NegativeProgressValuesAreBadProgressMetadata) {
  for (const char* progress :
       {R"({"epoch": -1, "batch": 0, "step": 0, "epoch_loss_sum": 0, "epoch_samples": 0})",
        R"({"epoch": 0, "batch": -3, "step": 0, "epoch_loss_sum": 0, "epoch_samples": 0})",
        R"({"epoch": 0, "batch": 0, "step": -5, "epoch_loss_sum": 0, "epoch_samples": 0})",
        R"({"epoch": 0, "batch": 1, "step": 1, "epoch_loss_sum": 0, "epoch_samples": -16})"}) {
    SafetensorsMetadata meta = file_.metadata;
    meta["progress"] = progress;
    rewrite(file_.entries, meta);
    SCOPED_TRACE(progress);
    EXPECT_MESSAGE_HAS(read_error(), "bad progress metadata");
  }
}

TEST_F(DamagedCheckpoint, MissingTensors) {
  rewrite(entries_without("model/0.weight"), file_.metadata);
  EXPECT_MESSAGE_HAS(restore_error(), "missing", "0.weight");
  rewrite(entries_without("optimizer/state.1.exp_avg_sq"), file_.metadata);
  EXPECT_MESSAGE_HAS(restore_error(), "state.1.exp_avg_sq");
  rewrite(entries_without("optimizer/state.2.step"), file_.metadata);
  EXPECT_MESSAGE_HAS(restore_error(), "state.2.step");
  rewrite(entries_without("schedule/last_epoch"), file_.metadata);
  EXPECT_MESSAGE_HAS(restore_error(), "last_epoch");
}

TEST_F(DamagedCheckpoint, UnexpectedTensors) {
  rewrite(entries_with("model/9.weight", {"", {1}, Tensor::scalar(1)}), file_.metadata);
  EXPECT_MESSAGE_HAS(restore_error(), "unexpected", "9.weight");
  rewrite(entries_with("optimizer/state.17.exp_avg", {"", {1}, Tensor::scalar(1)}), file_.metadata);
  EXPECT_MESSAGE_HAS(restore_error(), "state.17.exp_avg");
}

TEST_F(DamagedCheckpoint, WrongShapes) {
  // 0.weight is [5, 3]; stored as [3, 5].
  rewrite(entries_with("model/0.weight", {"", {3, 5}, Tensor::zeros({3, 5})}), file_.metadata);
  EXPECT_MESSAGE_HAS(restore_error(), "0.weight", "[5, 3]", "[3, 5]");
  rewrite(entries_with("optimizer/state.0.exp_avg", {"", {5, 2}, Tensor::zeros({5, 2})}),
          file_.metadata);
  EXPECT_MESSAGE_HAS(restore_error(), "state.0.exp_avg", "shape");
  rewrite(entries_with("schedule/last_epoch", {"", {2}, Tensor::zeros({1, 2})}), file_.metadata);
  EXPECT_MESSAGE_HAS(restore_error(), "last_epoch");
}

TEST_F(DamagedCheckpoint, BadStepCounts) {
  rewrite(entries_with("optimizer/state.0.step", {"", {1, 1}, Tensor::scalar(-2)}), file_.metadata);
  EXPECT_MESSAGE_HAS(restore_error(), "state.0.step");
  rewrite(entries_with("optimizer/state.0.step", {"", {1, 1}, Tensor::scalar(1.5f)}),
          file_.metadata);
  EXPECT_MESSAGE_HAS(restore_error(), "state.0.step");
  rewrite(entries_with("schedule/last_epoch", {"", {1, 1}, Tensor::scalar(-1)}), file_.metadata);
  EXPECT_MESSAGE_HAS(restore_error(), "last_epoch");
}

TEST_F(DamagedCheckpoint, BadI64Counts) {
  rewrite(entries_with("optimizer/state.0.step", SafetensorsEntry::int64("", {}, {-1})),
          file_.metadata);
  EXPECT_MESSAGE_HAS(restore_error(), "state.0.step", "non-negative", "-1");
  rewrite(entries_with("optimizer/state.0.step", SafetensorsEntry::int64("", {2}, {1, 2})),
          file_.metadata);
  EXPECT_MESSAGE_HAS(restore_error(), "optimizer/state.0.step", "one count", "2 values");
  rewrite(entries_with("optimizer/state.0.exp_avg", SafetensorsEntry::int64("", {}, {1})),
          file_.metadata);
  EXPECT_MESSAGE_HAS(restore_error(), "state.0.exp_avg", "holds a count", "expected a tensor");
  rewrite(entries_with("schedule/last_epoch", SafetensorsEntry::int64("", {}, {-4})),
          file_.metadata);
  EXPECT_MESSAGE_HAS(restore_error(), "last_epoch", "non-negative", "-4");
  rewrite(entries_with("model/0.bias", SafetensorsEntry::int64("", {5}, {1, 2, 3, 4, 5})),
          file_.metadata);
  EXPECT_MESSAGE_HAS(restore_error(), "0.bias", "I64");
}

// A checkpoint written before counts were I64 holds them as 1x1 F32 tensors: it restores, and
// the run continues as from the new format.
TEST_F(DamagedCheckpoint, OlderCheckpointsWithFloat32CountsStillRestore) {
  std::vector<SafetensorsEntry> old;
  for (const SafetensorsEntry& e : file_.entries) {
    if (e.dtype == SafetensorsDtype::kI64)
      old.push_back({e.name, {1, 1}, Tensor::scalar(static_cast<float>(e.int64s.at(0)))});
    else
      old.push_back(e);
  }
  rewrite(old, file_.metadata);
  const Checkpoint ck = read_checkpoint(dir_.path());
  TrainingState restored("adam", 7);
  ck.restore(restored.model(), *restored.optimizer, restored.schedule.get());
  expect_same_state(good_, restored);
  good_.steps(2, 2);
  restored.steps(2, 2);
  expect_same_state(good_, restored);
}

TEST_F(DamagedCheckpoint, ACheckpointOfAnotherArchitecture) {
  // A checkpoint of mlp:5 restored into mlp:6: names the file and the mismatching shapes.
  const Checkpoint ck = read_checkpoint(dir_.path());
  BuiltModel other = build_model({.model = "mlp:6", .inputs = 3, .outputs = 2}, 1);
  Adam optimizer(other.net->parameters());
  const std::string message = error_of([&] { ck.restore(*other.net, optimizer, nullptr); });
  EXPECT_MESSAGE_HAS(message, path().string(), "0.weight", "[6, 3]", "[5, 3]");
}

}  // namespace
}  // namespace lockstep
