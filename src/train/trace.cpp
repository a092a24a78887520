#include "lockstep/train/trace.hpp"

#include <cstdio>

#include "lockstep/train/metrics_log.hpp"

namespace lockstep {

TraceRecorder::TraceRecorder(bool enabled)
    : enabled_(enabled), start_(std::chrono::steady_clock::now()) {}

double TraceRecorder::now_us() const { return us_of(std::chrono::steady_clock::now()); }

double TraceRecorder::us_of(std::chrono::steady_clock::time_point t) const {
  return std::chrono::duration<double, std::micro>(t - start_).count();
}

void TraceRecorder::complete(const char* name, int tid, double start_us, double duration_us,
                             std::int64_t step) {
  if (!enabled_) return;
  std::lock_guard lock(mutex_);
  if (events_.size() >= 4'000'000) return;  // about 400 MB of JSON: enough
  events_.push_back({name, tid, start_us, duration_us, step});
}

int TraceRecorder::worker_tid() {
  std::lock_guard lock(mutex_);
  auto [it, inserted] =
      workers_.try_emplace(std::this_thread::get_id(), kWorkerBase + int(workers_.size()));
  if (inserted)
    thread_names_[it->second] = "loader worker " + std::to_string(it->second - kWorkerBase);
  return it->second;
}

void TraceRecorder::name_thread(int tid, const std::string& name) {
  std::lock_guard lock(mutex_);
  thread_names_[tid] = name;
}

std::string TraceRecorder::json() const {
  std::lock_guard lock(mutex_);
  std::string out = "{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n";
  bool first = true;
  char buf[256];
  for (const auto& [tid, name] : thread_names_) {
    std::snprintf(buf, sizeof buf,
                  "%s{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": 1, \"tid\": %d, "
                  "\"args\": {\"name\": \"%s\"}}",
                  first ? "" : ",\n", tid, name.c_str());
    out += buf;
    first = false;
  }
  for (const Event& e : events_) {
    if (e.step >= 0)
      std::snprintf(buf, sizeof buf,
                    "%s{\"name\": \"%s\", \"ph\": \"X\", \"pid\": 1, \"tid\": %d, \"ts\": %.3f, "
                    "\"dur\": %.3f, \"args\": {\"step\": %lld}}",
                    first ? "" : ",\n", e.name, e.tid, e.ts, e.dur, (long long)e.step);
    else
      std::snprintf(buf, sizeof buf,
                    "%s{\"name\": \"%s\", \"ph\": \"X\", \"pid\": 1, \"tid\": %d, \"ts\": %.3f, "
                    "\"dur\": %.3f}",
                    first ? "" : ",\n", e.name, e.tid, e.ts, e.dur);
    out += buf;
    first = false;
  }
  out += "\n]}\n";
  return out;
}

void TraceRecorder::write(const std::filesystem::path& path) const {
  write_file_atomically(path, json());
}

}  // namespace lockstep
