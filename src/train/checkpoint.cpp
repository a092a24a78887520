#include "lockstep/train/checkpoint.hpp"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <variant>

#include "lockstep/core/error.hpp"
#include "lockstep/io/state_dict.hpp"

namespace lockstep {

namespace {
constexpr const char* kModel = "model/";
constexpr const char* kOptim = "optimizer/";
constexpr const char* kSchedule = "schedule/";

// Tensors as F32 [rows, cols]; counts as I64 scalars (shape [], as PyTorch's int64 step
// tensors), exact to 2^63.
void put(std::vector<SafetensorsEntry>& out, const std::string& prefix,
         const Optimizer::StateDict& state) {
  for (const auto& [name, value] : state) {
    if (const auto* count = std::get_if<std::int64_t>(&value))
      out.push_back(SafetensorsEntry::int64(prefix + name, {}, {*count}));
    else {
      const Tensor& t = std::get<Tensor>(value);
      out.push_back({prefix + name, {t.rows(), t.cols()}, t});
    }
  }
}

// The entries under `prefix`: an I64 entry (one value) as a count, an F32 one as a tensor (a
// checkpoint older than I64 counts holds its counts as 1x1 F32 tensors, which still load).
Optimizer::StateDict take(const SafetensorsFile& file, const std::string& prefix) {
  Optimizer::StateDict out;
  for (const SafetensorsEntry& e : file.entries) {
    if (e.name.rfind(prefix, 0) != 0) continue;
    std::string name = e.name.substr(prefix.size());
    if (e.dtype == SafetensorsDtype::kI64) {
      LOCKSTEP_CHECK(e.int64s.size() == 1, "entry '", e.name,
                     "': an I64 entry must hold one count, it holds ", e.int64s.size(), " values");
      out.emplace_back(std::move(name), e.int64s[0]);
    } else {
      out.emplace_back(std::move(name), e.tensor);
    }
  }
  return out;
}
}  // namespace

std::filesystem::path checkpoint_file(const std::filesystem::path& dir) {
  return dir / "checkpoint.safetensors";
}

void save_checkpoint(const std::filesystem::path& dir, const Module& model,
                     const Optimizer& optimizer, const LRScheduler* schedule,
                     const TrainProgress& p, const std::string& config_json) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  LOCKSTEP_CHECK(!ec, "--checkpoint-dir: cannot create ", dir.string(), ": ", ec.message());
  std::vector<SafetensorsEntry> entries;
  for (SafetensorsEntry& e : state_dict(model)) {
    e.name = kModel + e.name;
    entries.push_back(std::move(e));
  }
  put(entries, kOptim, optimizer.state_dict());
  if (schedule) put(entries, kSchedule, schedule->state_dict());
  const nlohmann::json progress{{"epoch", p.epoch},
                                {"batch", p.batch},
                                {"step", p.step},
                                {"epoch_loss_sum", p.epoch_loss_sum},
                                {"epoch_samples", p.epoch_samples}};
  write_safetensors(
      checkpoint_file(dir), entries,
      {{"lockstep_checkpoint", "1"}, {"config", config_json}, {"progress", progress.dump()}});
}

namespace {
// A progress count: a JSON integer in [0, 2^63). Its range is checked before any conversion
// (1e30 converted to an integer is undefined behaviour).
std::int64_t read_count(const nlohmann::json& j, const char* key, const std::string& path) {
  const nlohmann::json& v = j.at(key);
  const bool ok = (v.is_number_unsigned() &&
                   v.get<std::uint64_t>() <=
                       static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) ||
                  (v.is_number_integer() && !v.is_number_unsigned() && v.get<std::int64_t>() >= 0);
  LOCKSTEP_CHECK(ok, path, ": bad progress metadata: ", key, " ", v.dump(),
                 " is not an integer in [0, 2^63) (none may be negative or non-finite)");
  return v.get<std::int64_t>();
}
}  // namespace

Checkpoint read_checkpoint(const std::filesystem::path& dir) {
  const auto path = checkpoint_file(dir);
  LOCKSTEP_CHECK(std::filesystem::exists(path), "--resume: no checkpoint in ", dir.string(),
                 " (expected ", path.string(), ")");
  Checkpoint ck;
  ck.path = path.string();
  ck.file = read_safetensors(path);
  const auto& meta = ck.file.metadata;
  LOCKSTEP_CHECK(
      meta.count("lockstep_checkpoint") && meta.count("config") && meta.count("progress"), ck.path,
      ": not a lockstep training checkpoint");
  ck.config_json = meta.at("config");
  try {
    const auto j = nlohmann::json::parse(meta.at("progress"));
    ck.progress.epoch = read_count(j, "epoch", ck.path);
    ck.progress.batch = read_count(j, "batch", ck.path);
    ck.progress.step = read_count(j, "step", ck.path);
    j.at("epoch_loss_sum").get_to(ck.progress.epoch_loss_sum);
    ck.progress.epoch_samples = read_count(j, "epoch_samples", ck.path);
  } catch (const std::exception& e) {
    LOCKSTEP_CHECK(false, ck.path, ": bad progress metadata: ", e.what());
  }
  const TrainProgress& p = ck.progress;
  LOCKSTEP_CHECK(p.epoch >= 0 && p.batch >= 0 && p.step >= 0 && p.epoch_samples >= 0 &&
                     std::isfinite(p.epoch_loss_sum),
                 ck.path, ": bad progress metadata: epoch ", p.epoch, ", batch ", p.batch,
                 ", step ", p.step, ", epoch_samples ", p.epoch_samples, ", epoch_loss_sum ",
                 p.epoch_loss_sum, " (none may be negative or non-finite)");
  return ck;
}

void Checkpoint::restore(Module& model, Optimizer& optimizer, LRScheduler* schedule) const {
  std::vector<SafetensorsEntry> params;
  for (const SafetensorsEntry& e : file.entries)
    if (e.name.rfind(kModel, 0) == 0) {
      SafetensorsEntry p = e;
      p.name = e.name.substr(std::string(kModel).size());
      params.push_back(std::move(p));
    }
  load_state_dict(model, params, path);
  try {
    optimizer.load_state_dict(take(file, kOptim));
    if (schedule) schedule->load_state_dict(take(file, kSchedule));
  } catch (const Error& e) {
    LOCKSTEP_CHECK(false, path, ": ", e.what());
  }
}

}  // namespace lockstep
