#include "lockstep/train/metrics_log.hpp"

#include <cmath>
#include <fstream>
#include <iterator>
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

namespace {
// The lines of `text` whose "step" (if any) is at most `step`.
std::string lines_through_step(const std::string& text, std::int64_t step) {
  std::string out;
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) break;  // a torn last line (a killed writer): dropped
    const std::string line = text.substr(begin, end - begin + 1);
    begin = end + 1;
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) continue;
    if (j.is_object() && j.contains("step") && j.at("step").is_number() &&
        j.at("step").get<double>() > double(step))
      continue;
    out += line;
  }
  return out;
}

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}
}  // namespace

MetricsLog::MetricsLog(std::filesystem::path path, std::int64_t resumed_at) {
  if (path.empty()) return;
  namespace fs = std::filesystem;
  // What the run wrote so far: the committed file, or a killed run's newer temporary.
  std::error_code ec;
  fs::path source = fs::is_regular_file(path, ec) ? path : fs::path();
  for (const fs::path& stale : AtomicFile::stale_temporaries(path)) {
    if (source.empty() || fs::last_write_time(stale, ec) > fs::last_write_time(source, ec))
      source = stale;
    break;  // the newest only
  }
  const std::string kept = source.empty() ? "" : lines_through_step(read_all(source), resumed_at);
  file_ = std::make_unique<AtomicFile>(std::move(path), "--metrics: ");
  file_->write(kept);
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
