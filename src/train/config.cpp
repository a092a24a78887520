#include "lockstep/train/config.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "lockstep/core/error.hpp"
#include "lockstep/nn/activation.hpp"
#include "lockstep/nn/loss.hpp"
#include "lockstep/train/components.hpp"

namespace lockstep {

namespace {
// "--optimizer must be sgd, adam or adamw, got 'rmsprop'" unless `value` is one of `names`.
void check_one_of(const char* flag, const std::string& value,
                  const std::vector<std::string>& names) {
  LOCKSTEP_CHECK(std::find(names.begin(), names.end(), value) != names.end(), flag, " must be ",
                 or_list(names), ", got '", value, "'");
}
}  // namespace

void TrainConfig::validate() const {
  LOCKSTEP_CHECK(task == "auto" || task == "classification" || task == "regression",
                 "--task must be auto, classification or regression, got '", task, "'");
  LOCKSTEP_CHECK(std::isfinite(val_split) && val_split >= 0 && val_split < 1,
                 "--val-split must be in [0, 1), got ", val_split);
  LOCKSTEP_CHECK(samples >= 2 && samples <= kMaxSamples, "--samples must be in [2, ", kMaxSamples,
                 "], got ", samples);
  LOCKSTEP_CHECK(features >= 1 && features <= kMaxFeatures, "--features must be in [1, ",
                 kMaxFeatures, "], got ", features);
  LOCKSTEP_CHECK(data.rfind("synthetic-", 0) != 0 || samples <= kMaxSyntheticValues / features,
                 "--samples ", samples, " x --features ", features, " is more than the ",
                 kMaxSyntheticValues, " values a synthetic data set may have");
  LOCKSTEP_CHECK(classes >= 2 && classes <= kMaxClasses, "--classes must be in [2, ", kMaxClasses,
                 "], got ", classes);
  check_one_of("--activation", activation, names_of(activations()));
  LOCKSTEP_CHECK(std::isfinite(dropout) && dropout >= 0 && dropout < 1,
                 "--dropout must be in [0, 1), got ", dropout);
  std::vector<std::string> loss_names = names_of(losses());
  loss_names.insert(loss_names.begin(), "auto");
  check_one_of("--loss", loss, loss_names);
  check_one_of("--optimizer", optimizer, names_of(optimizers()));
  LOCKSTEP_CHECK(std::isfinite(lr) && lr > 0, "--lr must be finite and > 0, got ", lr);
  LOCKSTEP_CHECK(std::isfinite(momentum) && momentum >= 0 && momentum < 1,
                 "--momentum must be in [0, 1), got ", momentum);
  LOCKSTEP_CHECK(!nesterov || (optimizer == "sgd" && momentum > 0),
                 "--nesterov needs --optimizer sgd and --momentum > 0");
  LOCKSTEP_CHECK(momentum == 0 || optimizer == "sgd", "--momentum applies to --optimizer sgd only");
  LOCKSTEP_CHECK(std::isfinite(weight_decay) && weight_decay >= 0,
                 "--weight-decay must be >= 0, got ", weight_decay);
  LOCKSTEP_CHECK(batch_size >= 1 && batch_size <= kMaxBatchSize, "--batch-size must be in [1, ",
                 kMaxBatchSize, "], got ", batch_size);
  LOCKSTEP_CHECK(epochs >= 1 && epochs <= kMaxEpochs, "--epochs must be in [1, ", kMaxEpochs,
                 "], got ", epochs);
  LOCKSTEP_CHECK(accumulate >= 1, "--accumulate must be >= 1, got ", accumulate);
  check_one_of("--schedule", schedule, names_of(schedules()));
  LOCKSTEP_CHECK(lr_step_size >= 0, "--lr-step-size must be >= 0, got ", lr_step_size);
  LOCKSTEP_CHECK(std::isfinite(lr_gamma) && lr_gamma > 0 && lr_gamma <= 1,
                 "--lr-gamma must be in (0, 1], got ", lr_gamma);
  LOCKSTEP_CHECK(warmup_steps >= 0, "--warmup-steps must be >= 0, got ", warmup_steps);
  LOCKSTEP_CHECK(std::isfinite(clip_grad_norm) && clip_grad_norm >= 0,
                 "--clip-grad-norm must be >= 0, got ", clip_grad_norm);
  LOCKSTEP_CHECK(max_steps >= 0, "--max-steps must be >= 0, got ", max_steps);
  LOCKSTEP_CHECK(micro_shards >= 1 && micro_shards <= 1024,
                 "--micro-shards must be in [1, 1024], got ", micro_shards);
  LOCKSTEP_CHECK(threads >= 0 && threads <= micro_shards, "--threads must be in [0, ", micro_shards,
                 "] (at most --micro-shards; 0 = all cores), got ", threads);
  LOCKSTEP_CHECK(loader_workers >= 0 && loader_workers <= 256,
                 "--loader-workers must be in [0, 256], got ", loader_workers);
  LOCKSTEP_CHECK(prefetch >= 1 && prefetch <= 64, "--prefetch must be in [1, 64], got ", prefetch);
  LOCKSTEP_CHECK(checkpoint_every >= 0, "--checkpoint-every must be >= 0, got ", checkpoint_every);
  LOCKSTEP_CHECK(log_every >= 0, "--log-every must be >= 0, got ", log_every);
  LOCKSTEP_CHECK(stop_after_steps >= 0, "--stop-after-steps must be >= 0, got ", stop_after_steps);
}

int TrainConfig::resolved_threads() const {
  if (threads > 0) return threads;
  const int cores = std::max(1, int(std::thread::hardware_concurrency()));
  return std::clamp(cores - loader_workers, 1, micro_shards);
}

namespace {
// The fields that decide the result; output, threads and loader settings are not among them.
// (The formatter does not settle on one layout for this list.)
// clang-format off
#define LOCKSTEP_CONFIG_FIELDS(X) \
  X(data) X(labels) X(target) X(task) X(val_split) X(val) X(val_labels) X(standardize) \
  X(samples) X(features) X(classes) X(model) X(activation) X(dropout) X(init) X(loss) \
  X(optimizer) X(lr) X(momentum) X(nesterov) X(weight_decay) X(batch_size) X(epochs) \
  X(accumulate) X(schedule) X(lr_step_size) X(lr_gamma) X(warmup_steps) X(clip_grad_norm) \
  X(seed) X(shuffle) X(max_steps) X(micro_shards) X(scale_pixels) X(image) X(augment)
// clang-format on
}  // namespace

TrainConfig with_result_fields(TrainConfig base, const TrainConfig& from) {
#define LOCKSTEP_COPY_FIELD(f) base.f = from.f;
  LOCKSTEP_CONFIG_FIELDS(LOCKSTEP_COPY_FIELD)
#undef LOCKSTEP_COPY_FIELD
  return base;
}

const std::vector<std::string>& result_field_flags() {
  static const std::vector<std::string> flags = [] {
    std::vector<std::string> out;
#define LOCKSTEP_FLAG_OF(f) out.push_back(#f);
    LOCKSTEP_CONFIG_FIELDS(LOCKSTEP_FLAG_OF)
#undef LOCKSTEP_FLAG_OF
    for (std::string& name : out) {
      for (char& ch : name)
        if (ch == '_') ch = '-';
      name = "--" + name;
    }
    return out;
  }();
  return flags;
}

std::string config_to_json(const TrainConfig& c) {
  nlohmann::json j;
#define LOCKSTEP_PUT(f) j[#f] = c.f;
  LOCKSTEP_CONFIG_FIELDS(LOCKSTEP_PUT)
#undef LOCKSTEP_PUT
  return j.dump();
}

TrainConfig config_from_json(const std::string& text) {
  TrainConfig c;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    LOCKSTEP_CHECK(false, "training configuration: invalid JSON: ", e.what());
  }
  LOCKSTEP_CHECK(j.is_object(), "training configuration: expected a JSON object");
  try {
#define LOCKSTEP_GET(f) \
  if (j.contains(#f)) j.at(#f).get_to(c.f);
    LOCKSTEP_CONFIG_FIELDS(LOCKSTEP_GET)
#undef LOCKSTEP_GET
  } catch (const std::exception& e) {
    LOCKSTEP_CHECK(false, "training configuration: ", e.what());
  }
  return c;
}

namespace {
namespace fs = std::filesystem;

// An input path that exists, made absolute (a built-in name like "iris" stays as it is).
std::string absolute_input(const std::string& p) {
  std::error_code ec;
  if (p.empty() || !fs::exists(p, ec)) return p;
  return fs::absolute(p, ec).lexically_normal().string();
}
std::string absolute_output(const std::string& p) {
  std::error_code ec;
  return p.empty() ? p : fs::absolute(p, ec).lexically_normal().string();
}
}  // namespace

TrainConfig with_absolute_paths(TrainConfig c) {
  for (std::string* p : {&c.data, &c.labels, &c.val, &c.val_labels, &c.init})
    *p = absolute_input(*p);
  for (std::string* p : {&c.save, &c.metrics, &c.trace, &c.checkpoint_dir})
    *p = absolute_output(*p);
  return c;
}

std::vector<std::string> differing_result_fields(const TrainConfig& given, const TrainConfig& saved,
                                                 const std::vector<std::string>& flags) {
  const TrainConfig g = with_absolute_paths(given), s = with_absolute_paths(saved);
  const nlohmann::json jg = nlohmann::json::parse(config_to_json(g));
  const nlohmann::json js = nlohmann::json::parse(config_to_json(s));
  const std::vector<std::string>& all = result_field_flags();
  std::vector<std::string> out;
  for (const std::string& flag : flags) {
    const auto it = std::find(all.begin(), all.end(), flag);
    if (it == all.end()) continue;  // not a result field: may differ
    std::string field = flag.substr(2);
    std::replace(field.begin(), field.end(), '-', '_');
    const nlohmann::json& a = jg.at(field);
    const nlohmann::json& b = js.at(field);
    if (a == b) continue;
    auto text = [](const nlohmann::json& v) {
      return v.is_string() ? v.get<std::string>() : v.dump();
    };
    out.push_back(flag + " " + text(a) + " (the checkpoint has " + text(b) + ")");
  }
  return out;
}

}  // namespace lockstep
