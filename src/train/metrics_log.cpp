#include "lockstep/train/metrics_log.hpp"

#include <unistd.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "lockstep/core/error.hpp"

namespace lockstep {

namespace {
std::filesystem::path temp_for(const std::filesystem::path& path) {
  return path.string() + ".tmp." + std::to_string(::getpid());
}

void sync_and_close(std::FILE* f, const std::filesystem::path& path) {
  const bool ok = std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  const bool closed = std::fclose(f) == 0;
  LOCKSTEP_CHECK(ok && closed, "cannot write ", path.string());
}

// A JSON string literal (nlohmann's escaping; bytes that are not UTF-8, e.g. in a file name,
// become U+FFFD instead of an error).
std::string quoted(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}
}  // namespace

MetricsLog::MetricsLog(std::filesystem::path path) : path_(std::move(path)) {
  if (path_.empty()) return;
  temp_ = temp_for(path_);
  file_ = std::fopen(temp_.c_str(), "w");
  LOCKSTEP_CHECK(file_ != nullptr, "--metrics: cannot create ", path_.string());
}

MetricsLog::~MetricsLog() {
  if (file_) {
    std::fclose(file_);
    std::error_code ec;
    std::filesystem::remove(temp_, ec);
  }
}

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
  std::fputs(line.c_str(), file_);
  std::fflush(file_);
}

void MetricsLog::commit() {
  if (!file_) return;
  std::FILE* f = file_;
  file_ = nullptr;
  sync_and_close(f, path_);
  std::error_code ec;
  std::filesystem::rename(temp_, path_, ec);
  LOCKSTEP_CHECK(!ec, "--metrics: cannot rename ", temp_.string(), " to ", path_.string(), ": ",
                 ec.message());
}

void write_file_atomically(const std::filesystem::path& path, const std::string& text) {
  const auto temp = temp_for(path);
  std::FILE* f = std::fopen(temp.c_str(), "w");
  LOCKSTEP_CHECK(f != nullptr, "cannot create ", path.string());
  const bool wrote = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  try {
    sync_and_close(f, path);
    LOCKSTEP_CHECK(wrote, "cannot write ", path.string());
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove(temp, ec);
    throw;
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  LOCKSTEP_CHECK(!ec, "cannot rename ", temp.string(), " to ", path.string(), ": ", ec.message());
}

}  // namespace lockstep
