// lockstep/train/trace.hpp — a Chrome trace-event file (chrome://tracing, Perfetto) of a run:
// one "complete" event ("ph": "X") per phase, per thread — data wait and all-reduce+update on
// the main thread, forward/backward on each replica, batch loading on each loader worker —
// plus thread-name metadata events. Thread-safe; written atomically by write().
//
//   lockstep::TraceRecorder trace(true);
//   const double t0 = trace.now_us();
//   ...
//   trace.complete("all-reduce+update", lockstep::TraceRecorder::kMainThread, t0,
//                  trace.now_us() - t0, 17);
//   trace.write("run.trace.json");
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace lockstep {

class TraceRecorder {
 public:
  static constexpr int kMainThread = 0;
  /// Replica r is thread kReplicaBase + r, loader worker w kWorkerBase + w.
  static constexpr int kReplicaBase = 1;
  static constexpr int kWorkerBase = 1000;

  explicit TraceRecorder(bool enabled);
  bool enabled() const { return enabled_; }
  /// Microseconds since the recorder was made.
  double now_us() const;
  /// The same for an earlier (or later) moment.
  double us_of(std::chrono::steady_clock::time_point t) const;
  /// One event; `step` < 0 leaves it out of the event's args.
  void complete(const char* name, int tid, double start_us, double duration_us,
                std::int64_t step = -1);
  /// The trace id of the calling loader thread (kWorkerBase + n, n in order of first call).
  int worker_tid();
  void name_thread(int tid, const std::string& name);
  /// The JSON document.
  std::string json() const;
  void write(const std::filesystem::path& path) const;

 private:
  struct Event {
    const char* name;
    int tid;
    double ts, dur;
    std::int64_t step;
  };
  bool enabled_;
  std::chrono::steady_clock::time_point start_;
  mutable std::mutex mutex_;
  std::vector<Event> events_;
  std::map<int, std::string> thread_names_;
  std::map<std::thread::id, int> workers_;
};

}  // namespace lockstep
