#include "lockstep/train/metrics_log.hpp"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "lockstep/core/error.hpp"

namespace lockstep {

namespace {
// A JSON string literal (nlohmann's escaping; bytes that are not UTF-8, e.g. in a file name,
// become U+FFFD instead of an error).
std::string quoted(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}
}  // namespace

MetricsLog::MetricsLog(std::filesystem::path path) {
  if (!path.empty()) file_ = std::make_unique<AtomicFile>(std::move(path), "--metrics: ");
}

MetricsLog::~MetricsLog() = default;  // an uncommitted log leaves the target untouched

void MetricsLog::record(const std::vector<std::pair<std::string, std::string>>& strings,
                        const std::vector<std::pair<std::string, double>>& numbers) {
  if (!file_) return;
  std::string line = "{";
  for (const auto& [k, v] : strings) {
    if (line.size() > 1) line += ", ";
    line += quoted(k) + ": " + quoted(v);
  }
  for (const auto& [k, v] : numbers) {
    if (line.size() > 1) line += ", ";
    char buf[40];
    if (!std::isfinite(v))
      std::snprintf(buf, sizeof buf, "null");
    else if (v == std::floor(v) && std::fabs(v) < 1e15)
      std::snprintf(buf, sizeof buf, "%.0f", v);
    else
      std::snprintf(buf, sizeof buf, "%.9g", v);
    line += quoted(k) + ": " + buf;
  }
  line += "}\n";
  file_->write(line);  // unbuffered: a crash loses no finished line of the temporary file
}

void MetricsLog::commit() {
  if (!file_) return;
  file_->commit();
  file_.reset();
}

}  // namespace lockstep
