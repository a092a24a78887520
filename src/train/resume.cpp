#include "lockstep/train/resume.hpp"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "lockstep/train/checkpoint.hpp"

namespace lockstep {

namespace {
constexpr const char* kOutputs[] = {"save", "metrics", "trace"};

std::string* output_field(TrainConfig& c, std::string_view name) {
  if (name == "save") return &c.save;
  if (name == "metrics") return &c.metrics;
  return &c.trace;
}
}  // namespace

std::string resume_directory(const TrainConfig& c) {
  if (c.resume != "auto") return c.resume;
  LOCKSTEP_CHECK(!c.checkpoint_dir.empty(), "--resume auto needs --checkpoint-dir");
  return c.checkpoint_dir;
}

bool resumes_a_checkpoint(const TrainConfig& c) {
  return !c.resume.empty() && std::filesystem::exists(checkpoint_file(resume_directory(c)));
}

std::string checkpoint_settings_json(const TrainConfig& config) {
  TrainConfig abs = with_absolute_paths(config);
  nlohmann::json j = nlohmann::json::parse(config_to_json(abs));
  for (const char* name : kOutputs) j[name] = *output_field(abs, name);
  return j.dump();
}

TrainConfig resume_config(const TrainConfig& given, const std::string& saved_json) {
  const TrainConfig saved = config_from_json(saved_json);
  const std::vector<std::string> differ = differing_result_fields(given, saved, given.given_flags);
  if (!differ.empty()) {
    std::string text = differ.front();
    for (std::size_t i = 1; i < differ.size(); ++i) text += ", " + differ[i];
    throw ResumeConflict(text + ": a resumed run keeps the settings it was started with (drop " +
                         (differ.size() == 1 ? "the flag" : "these flags") +
                         ", or start a new run in another --checkpoint-dir)");
  }
  TrainConfig c = with_result_fields(given, saved);
  const nlohmann::json j = nlohmann::json::parse(saved_json, nullptr, false);
  for (const char* name : kOutputs) {
    std::string* field = output_field(c, name);
    if (field->empty() && j.is_object() && j.contains(name) && j.at(name).is_string())
      *field = j.at(name).get<std::string>();
  }
  if (c.checkpoint_dir.empty()) c.checkpoint_dir = given.resume;  // keep checkpointing there
  return c;
}

}  // namespace lockstep
