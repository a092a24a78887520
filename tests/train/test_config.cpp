// TrainConfig: validate() (each rejected value names its flag and the value, boundaries
// included), resolved_threads(), the JSON form of the result fields (config_to_json /
// config_from_json, with_result_fields, result_field_flags) and resume_config().
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "io/io_test_util.hpp"
#include "lockstep/train/config.hpp"
#include "lockstep/train/trainer.hpp"

namespace lockstep {
namespace {

using testing::error_of;

// --- validate ------------------------------------------------------------------------------------

struct Rejected {
  std::function<void(TrainConfig&)> set;
  std::string flag;
  std::string value;  // how the bad value appears in the message ("" when it does not)
};

TEST(TrainConfigValidate, TheDefaultsAreValid) { EXPECT_NO_THROW(TrainConfig().validate()); }

TEST(TrainConfigValidate, EachRejectedValueNamesTheFlagAndTheValue) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<Rejected> cases = {
      {[](TrainConfig& c) { c.task = "clustering"; }, "--task", "'clustering'"},
      {[](TrainConfig& c) { c.val_split = 1; }, "--val-split", "got 1"},
      {[](TrainConfig& c) { c.val_split = -0.1; }, "--val-split", "got -0.1"},
      {[=](TrainConfig& c) { c.val_split = nan; }, "--val-split", "got nan"},
      {[](TrainConfig& c) { c.samples = 1; }, "--samples", "got 1"},
      {[](TrainConfig& c) { c.features = 0; }, "--features", "got 0"},
      {[](TrainConfig& c) { c.classes = 1; }, "--classes", "got 1"},
      {[](TrainConfig& c) { c.samples = 1'000'000'000; }, "--samples", "got 1000000000"},
      {[](TrainConfig& c) { c.features = 1'000'000'000; }, "--features", "got 1000000000"},
      {[](TrainConfig& c) { c.classes = 1'000'000'000; }, "--classes", "got 1000000000"},
      {[](TrainConfig& c) {
         c.data = "synthetic-regression";
         c.samples = 100'000'000;
         c.features = 1'000'000;
       },
       "--samples", "--features 1000000"},
      {[](TrainConfig& c) { c.batch_size = 1'000'000'000'000; }, "--batch-size",
       "got 1000000000000"},
      {[](TrainConfig& c) { c.epochs = 1'000'000'000'000'000'000; }, "--epochs",
       "got 1000000000000000000"},
      {[](TrainConfig& c) { c.activation = "gelu"; }, "--activation", "'gelu'"},
      {[](TrainConfig& c) { c.dropout = 1; }, "--dropout", "got 1"},
      {[](TrainConfig& c) { c.dropout = -0.5; }, "--dropout", "got -0.5"},
      {[](TrainConfig& c) { c.loss = "huber"; }, "--loss", "'huber'"},
      {[](TrainConfig& c) { c.optimizer = "rmsprop"; }, "--optimizer", "'rmsprop'"},
      {[](TrainConfig& c) { c.lr = 0; }, "--lr", "got 0"},
      {[](TrainConfig& c) { c.lr = -1; }, "--lr", "got -1"},
      {[=](TrainConfig& c) { c.lr = inf; }, "--lr", "got inf"},
      {[](TrainConfig& c) {
         c.optimizer = "sgd";
         c.momentum = 1;
       },
       "--momentum", "got 1"},
      {[](TrainConfig& c) { c.nesterov = true; }, "--nesterov", ""},
      {[](TrainConfig& c) {
         c.optimizer = "sgd";
         c.nesterov = true;
       },
       "--nesterov", ""},
      {[](TrainConfig& c) { c.momentum = 0.9; }, "--momentum", "sgd"},
      {[](TrainConfig& c) { c.weight_decay = -0.01; }, "--weight-decay", "got -0.01"},
      {[](TrainConfig& c) { c.batch_size = 0; }, "--batch-size", "got 0"},
      {[](TrainConfig& c) { c.epochs = 0; }, "--epochs", "got 0"},
      {[](TrainConfig& c) { c.accumulate = 0; }, "--accumulate", "got 0"},
      {[](TrainConfig& c) { c.schedule = "linear"; }, "--schedule", "'linear'"},
      {[](TrainConfig& c) { c.lr_step_size = -1; }, "--lr-step-size", "got -1"},
      {[](TrainConfig& c) { c.lr_gamma = 0; }, "--lr-gamma", "got 0"},
      {[](TrainConfig& c) { c.lr_gamma = 1.5; }, "--lr-gamma", "got 1.5"},
      {[](TrainConfig& c) { c.warmup_steps = -3; }, "--warmup-steps", "got -3"},
      {[](TrainConfig& c) { c.clip_grad_norm = -1; }, "--clip-grad-norm", "got -1"},
      {[](TrainConfig& c) { c.max_steps = -1; }, "--max-steps", "got -1"},
      {[](TrainConfig& c) { c.micro_shards = 0; }, "--micro-shards", "got 0"},
      {[](TrainConfig& c) { c.micro_shards = 1025; }, "--micro-shards", "got 1025"},
      {[](TrainConfig& c) { c.threads = -1; }, "--threads", "got -1"},
      {[](TrainConfig& c) { c.threads = 17; }, "--threads", "got 17"},  // micro_shards 16
      {[](TrainConfig& c) {
         c.micro_shards = 4;
         c.threads = 5;
       },
       "--threads", "got 5"},
      {[](TrainConfig& c) { c.loader_workers = -1; }, "--loader-workers", "got -1"},
      {[](TrainConfig& c) { c.loader_workers = 257; }, "--loader-workers", "got 257"},
      {[](TrainConfig& c) { c.prefetch = 0; }, "--prefetch", "got 0"},
      {[](TrainConfig& c) { c.prefetch = 65; }, "--prefetch", "got 65"},
      {[](TrainConfig& c) { c.checkpoint_every = -1; }, "--checkpoint-every", "got -1"},
      {[](TrainConfig& c) { c.log_every = -1; }, "--log-every", "got -1"},
      {[](TrainConfig& c) { c.stop_after_steps = -1; }, "--stop-after-steps", "got -1"},
  };
  for (const Rejected& r : cases) {
    TrainConfig c;
    r.set(c);
    const std::string message = error_of([&] { c.validate(); });
    EXPECT_MESSAGE_HAS(message, r.flag, r.value);
  }
}

TEST(TrainConfigValidate, BoundaryValuesThatAreAccepted) {
  const std::vector<std::function<void(TrainConfig&)>> accepted = {
      [](TrainConfig& c) { c.val_split = 0; },
      [](TrainConfig& c) { c.val_split = 0.999; },
      [](TrainConfig& c) { c.samples = 2; },
      [](TrainConfig& c) { c.features = 1; },
      [](TrainConfig& c) { c.classes = 2; },
      [](TrainConfig& c) { c.dropout = 0.99; },
      [](TrainConfig& c) { c.lr = 1e-30; },
      [](TrainConfig& c) {
        c.optimizer = "sgd";
        c.momentum = 0.999;
        c.nesterov = true;
      },
      [](TrainConfig& c) { c.optimizer = "adamw"; },
      [](TrainConfig& c) { c.weight_decay = 0; },
      [](TrainConfig& c) { c.batch_size = 1; },
      [](TrainConfig& c) { c.epochs = 1; },
      [](TrainConfig& c) { c.accumulate = 1; },
      [](TrainConfig& c) { c.lr_gamma = 1; },
      [](TrainConfig& c) { c.schedule = "cosine"; },
      [](TrainConfig& c) { c.micro_shards = 1; },
      [](TrainConfig& c) {
        c.micro_shards = 1024;
        c.threads = 1024;
      },
      [](TrainConfig& c) { c.threads = 16; },  // = micro_shards
      [](TrainConfig& c) { c.loader_workers = 256; },
      [](TrainConfig& c) { c.prefetch = 1; },
      [](TrainConfig& c) { c.prefetch = 64; },
      [](TrainConfig& c) { c.log_every = 0; },
  };
  for (std::size_t i = 0; i < accepted.size(); ++i) {
    TrainConfig c;
    accepted[i](c);
    EXPECT_NO_THROW(c.validate()) << "case " << i;
  }
}

// --- resolved_threads ----------------------------------------------------------------------------

TEST(TrainConfigThreads, GivenThreadsAreUsedAsTheyAre) {
  TrainConfig c;
  c.threads = 3;
  c.loader_workers = 8;
  EXPECT_EQ(c.resolved_threads(), 3);
  c.threads = 16;
  EXPECT_EQ(c.resolved_threads(), 16);
}

TEST(TrainConfigThreads, ZeroMeansTheCoresNotGivenToTheLoaderAtMostMicroShards) {
  const int cores = std::max(1, int(std::thread::hardware_concurrency()));
  TrainConfig c;
  c.threads = 0;
  c.micro_shards = 1024;
  EXPECT_EQ(c.resolved_threads(), std::min(cores, 1024));
  c.micro_shards = 1;
  EXPECT_EQ(c.resolved_threads(), 1);
  c.micro_shards = 1024;
  c.loader_workers = 256;  // at least one replica even when the loader has every core
  EXPECT_EQ(c.resolved_threads(), std::max(1, cores - 256));
  c.loader_workers = 1;
  EXPECT_EQ(c.resolved_threads(), std::max(1, cores - 1));
}

// --- the result fields and their JSON ------------------------------------------------------------

// Every field that decides a run's result, each with a value other than its default.
struct ResultField {
  std::string flag;
  std::function<void(TrainConfig&)> set;
  std::function<bool(const TrainConfig&, const TrainConfig&)> same;
};

std::string flag_of(std::string member) {
  std::replace(member.begin(), member.end(), '_', '-');
  return "--" + member;
}

#define LOCKSTEP_FIELD(member, value)                                                   \
  ResultField {                                                                         \
    flag_of(#member), [](TrainConfig& c) { c.member = value; },                         \
        [](const TrainConfig& a, const TrainConfig& b) { return a.member == b.member; } \
  }

const std::vector<ResultField>& result_fields() {
  static const std::vector<ResultField> fields = {
      LOCKSTEP_FIELD(data, "train.csv"),
      LOCKSTEP_FIELD(labels, "labels.npy"),
      LOCKSTEP_FIELD(target, "price"),
      LOCKSTEP_FIELD(task, "regression"),
      LOCKSTEP_FIELD(val_split, 0.35),
      LOCKSTEP_FIELD(val, "val.csv"),
      LOCKSTEP_FIELD(val_labels, "val_labels.npy"),
      LOCKSTEP_FIELD(standardize, false),
      LOCKSTEP_FIELD(scale_pixels, false),
      LOCKSTEP_FIELD(image, "1,4,4"),
      LOCKSTEP_FIELD(augment, "flip"),
      LOCKSTEP_FIELD(samples, 123),
      LOCKSTEP_FIELD(features, 7),
      LOCKSTEP_FIELD(classes, 5),
      LOCKSTEP_FIELD(model, "mlp:3,2"),
      LOCKSTEP_FIELD(activation, "tanh"),
      LOCKSTEP_FIELD(dropout, 0.125),
      LOCKSTEP_FIELD(init, "start.safetensors"),
      LOCKSTEP_FIELD(loss, "l1"),
      LOCKSTEP_FIELD(optimizer, "sgd"),
      LOCKSTEP_FIELD(lr, 0.1 / 3),  // not exact in decimal: the JSON must keep every bit
      LOCKSTEP_FIELD(momentum, 0.9),
      LOCKSTEP_FIELD(nesterov, true),
      LOCKSTEP_FIELD(weight_decay, 1e-4),
      LOCKSTEP_FIELD(batch_size, 17),
      LOCKSTEP_FIELD(epochs, 3),
      LOCKSTEP_FIELD(accumulate, 4),
      LOCKSTEP_FIELD(schedule, "step"),
      LOCKSTEP_FIELD(lr_step_size, 9),
      LOCKSTEP_FIELD(lr_gamma, 0.5),
      LOCKSTEP_FIELD(warmup_steps, 11),
      LOCKSTEP_FIELD(clip_grad_norm, 2.5),
      LOCKSTEP_FIELD(seed, 0xFEEDFACECAFEBEEFULL),  // past 2^63: must not go through a double
      LOCKSTEP_FIELD(shuffle, false),
      LOCKSTEP_FIELD(max_steps, 99),
      LOCKSTEP_FIELD(micro_shards, 8),
  };
  return fields;
}

#undef LOCKSTEP_FIELD

TrainConfig with_every_result_field_set() {
  TrainConfig c;
  for (const ResultField& f : result_fields()) f.set(c);
  return c;
}

// The settings that may change between a run and its resumption, all off their defaults.
TrainConfig with_run_local_settings() {
  TrainConfig c;
  c.threads = 3;
  c.loader_workers = 2;
  c.prefetch = 5;
  c.save = "model.safetensors";
  c.checkpoint_dir = "ck_out";
  c.checkpoint_every = 7;
  c.resume = "ck_in";
  c.metrics = "run.jsonl";
  c.trace = "run.trace.json";
  c.log_every = 3;
  c.quiet = true;
  c.stop_after_steps = 12;
  return c;
}

void expect_run_local_settings_of(const TrainConfig& got, const TrainConfig& want) {
  EXPECT_EQ(got.threads, want.threads);
  EXPECT_EQ(got.loader_workers, want.loader_workers);
  EXPECT_EQ(got.prefetch, want.prefetch);
  EXPECT_EQ(got.save, want.save);
  EXPECT_EQ(got.checkpoint_dir, want.checkpoint_dir);
  EXPECT_EQ(got.checkpoint_every, want.checkpoint_every);
  EXPECT_EQ(got.resume, want.resume);
  EXPECT_EQ(got.metrics, want.metrics);
  EXPECT_EQ(got.trace, want.trace);
  EXPECT_EQ(got.log_every, want.log_every);
  EXPECT_EQ(got.quiet, want.quiet);
  EXPECT_EQ(got.stop_after_steps, want.stop_after_steps);
}

TEST(TrainConfigJson, ResultFieldFlagsListEveryResultFieldOnce) {
  const std::vector<std::string>& flags = result_field_flags();
  const std::set<std::string> unique(flags.begin(), flags.end());
  EXPECT_EQ(unique.size(), flags.size()) << "a flag listed twice";
  std::set<std::string> expected;
  for (const ResultField& f : result_fields()) expected.insert(f.flag);
  EXPECT_EQ(unique, expected);
  for (const char* local : {"--threads", "--loader-workers", "--prefetch", "--save",
                            "--checkpoint-dir", "--checkpoint-every", "--resume", "--metrics",
                            "--trace", "--log-every", "--quiet", "--stop-after-steps"})
    EXPECT_EQ(unique.count(local), 0u) << local << " is not a result field";
}

TEST(TrainConfigJson, EachResultFieldSurvivesTheRoundTrip) {
  const TrainConfig defaults;
  for (const ResultField& f : result_fields()) {
    TrainConfig c;
    f.set(c);
    ASSERT_FALSE(f.same(c, defaults)) << f.flag << ": the test value is the default";
    const TrainConfig back = config_from_json(config_to_json(c));
    EXPECT_TRUE(f.same(back, c)) << f.flag;
    // ... and only that field changed.
    for (const ResultField& other : result_fields()) {
      if (other.flag != f.flag) {
        EXPECT_TRUE(other.same(back, defaults)) << f.flag << " moved " << other.flag;
      }
    }
  }
}

TEST(TrainConfigJson, AllResultFieldsTogetherSurviveTheRoundTripBitForBit) {
  const TrainConfig c = with_every_result_field_set();
  const TrainConfig back = config_from_json(config_to_json(c));
  for (const ResultField& f : result_fields()) EXPECT_TRUE(f.same(back, c)) << f.flag;
  EXPECT_EQ(back.lr, 0.1 / 3);  // exact, not to printing precision
  EXPECT_EQ(back.seed, 0xFEEDFACECAFEBEEFULL);
  EXPECT_EQ(config_to_json(back), config_to_json(c));
}

TEST(TrainConfigJson, ParallelismAndOutputSettingsAreNotPartOfIt) {
  const TrainConfig local = with_run_local_settings();
  EXPECT_EQ(config_to_json(local), config_to_json(TrainConfig()));
  expect_run_local_settings_of(config_from_json(config_to_json(local)), TrainConfig());
}

TEST(TrainConfigJson, MissingFieldsKeepTheirDefaults) {
  EXPECT_EQ(config_to_json(config_from_json("{}")), config_to_json(TrainConfig()));
  const TrainConfig c = config_from_json(R"({"lr": 0.5, "model": "linear"})");
  EXPECT_EQ(c.lr, 0.5);
  EXPECT_EQ(c.model, "linear");
  TrainConfig expected;
  expected.lr = 0.5;
  expected.model = "linear";
  EXPECT_EQ(config_to_json(c), config_to_json(expected));
}

TEST(TrainConfigJson, MalformedJsonIsAnErrorThatSaysWhat) {
  for (const char* text : {"", "not json", R"({"lr": 0.5)", R"({"lr": 0.5,})", "{'lr': 1}"})
    EXPECT_MESSAGE_HAS(error_of([&] { config_from_json(text); }), "training configuration",
                       "invalid JSON");
  for (const char* text : {"[1, 2]", "42", R"("lr")", "null"})
    EXPECT_MESSAGE_HAS(error_of([&] { config_from_json(text); }), "training configuration",
                       "JSON object");
  for (const char* text : {R"({"lr": "fast"})", R"({"epochs": "3"})", R"({"model": 64})",
                           R"({"shuffle": "yes"})", R"({"data": null})"})
    EXPECT_MESSAGE_HAS(error_of([&] { config_from_json(text); }), "training configuration");
}

TEST(TrainConfigJson, WithResultFieldsTakesExactlyTheResultFields) {
  const TrainConfig from = with_every_result_field_set();
  const TrainConfig base = with_run_local_settings();
  const TrainConfig c = with_result_fields(base, from);
  for (const ResultField& f : result_fields()) EXPECT_TRUE(f.same(c, from)) << f.flag;
  expect_run_local_settings_of(c, base);
}

// --- resume_config -------------------------------------------------------------------------------

TEST(ResumeConfig, KeepsTheGivenThreadsLoaderAndOutputAndTakesTheSavedRunSettings) {
  const TrainConfig saved = with_every_result_field_set();
  TrainConfig given = with_run_local_settings();
  given.lr = 7;  // a run setting given anew is overridden by the saved one
  given.data = "iris";
  const TrainConfig c = resume_config(given, config_to_json(saved));
  for (const ResultField& f : result_fields()) EXPECT_TRUE(f.same(c, saved)) << f.flag;
  expect_run_local_settings_of(c, given);
}

TEST(ResumeConfig, CheckpointsGoToTheResumedDirectoryUnlessAnotherIsGiven) {
  TrainConfig given;
  given.resume = "ck_in";
  EXPECT_EQ(resume_config(given, "{}").checkpoint_dir, "ck_in");
  given.checkpoint_dir = "ck_out";
  EXPECT_EQ(resume_config(given, "{}").checkpoint_dir, "ck_out");
}

TEST(ResumeConfig, MalformedSavedSettingsAreAnError) {
  TrainConfig given;
  given.resume = "ck";
  EXPECT_MESSAGE_HAS(error_of([&] { resume_config(given, "{\"epochs\": "); }),
                     "training configuration");
}

}  // namespace
}  // namespace lockstep
