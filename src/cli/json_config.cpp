#include "json_config.hpp"

#include <nlohmann/json.hpp>
#include <sstream>

#include "core/binary_file.hpp"
#include "lockstep/core/error.hpp"

namespace lockstep::cli {
namespace {
constexpr std::uint64_t kMaxConfigBytes = std::uint64_t{1} << 24;  // 16 MiB of flags is plenty

// A flag's value is a scalar or an array of scalars; deeper nesting is refused while parsing,
// before turning a value back into text (a recursive dump) could overflow the stack.
constexpr int kMaxDepth = 16;
}  // namespace

std::vector<CLI::ConfigItem> read_json_config(std::istream& input, const std::string& source) {
  nlohmann::json j;
  auto limit_depth = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
    if ((event == nlohmann::json::parse_event_t::object_start ||
         event == nlohmann::json::parse_event_t::array_start) &&
        depth >= kMaxDepth)
      throw CLI::ConversionError("--config " + source + ": nested deeper than " +
                                 std::to_string(kMaxDepth) + " levels");
    return true;
  };
  try {
    j = nlohmann::json::parse(input, limit_depth);
  } catch (const nlohmann::json::exception& e) {
    throw CLI::ConversionError("--config: not valid JSON: " + std::string(e.what()));
  }
  if (!j.is_object()) throw CLI::ConversionError("--config: the file must hold a JSON object");
  std::vector<CLI::ConfigItem> items;
  auto text = [](const nlohmann::json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return std::string(v.get<bool>() ? "true" : "false");
    return v.dump();
  };
  for (const auto& [key, value] : j.items()) {
    CLI::ConfigItem item;
    item.name = key;
    for (char& ch : item.name)
      if (ch == '_') ch = '-';
    if (value.is_array())
      for (const auto& v : value) item.inputs.push_back(text(v));
    else if (value.is_object())
      throw CLI::ConversionError("--config: key '" + key + "' holds an object; flags take values");
    else
      item.inputs.push_back(text(value));
    items.push_back(std::move(item));
  }
  return items;
}

void apply_json_config(CLI::App& app, const std::string& path) {
  // A directory, FIFO or device is a usage error (exit 2), refused before anything is read.
  std::istringstream in;
  try {
    in.str(detail::read_regular_file(path, "--config", kMaxConfigBytes));
  } catch (const Error& e) {
    throw CLI::FileError(e.what());
  }
  for (const CLI::ConfigItem& item : read_json_config(in, path)) {
    CLI::Option* opt = nullptr;
    try {
      opt = app.get_option("--" + item.name);
    } catch (const CLI::OptionNotFound&) {
      throw CLI::ConversionError("--config " + path + ": unknown flag '" + item.name + "'");
    }
    if (item.name == "config" || item.name == "help")
      throw CLI::ConversionError("--config " + path + ": '" + item.name + "' cannot be set there");
    if (opt->count() > 0) continue;  // the command line wins
    std::vector<std::string> inputs = item.inputs;
    if (opt->get_type_size() == 0 && inputs.size() == 1) {  // a switch: true / false
      if (inputs[0] != "true" && inputs[0] != "false")
        throw CLI::ConversionError("--config " + path + ": '" + item.name +
                                   "' takes true or false, got " + inputs[0]);
    }
    try {
      opt->add_result(inputs);
      opt->run_callback();
    } catch (const CLI::ParseError& e) {
      throw CLI::ConversionError("--config " + path + ": '" + item.name + "': " + e.what());
    }
  }
}

}  // namespace lockstep::cli
