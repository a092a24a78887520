// lockstep/train/metrics_log.hpp — a JSON Lines metrics file (one object per line), written
// to a temporary file next to the target and renamed over it by commit(), so a run that fails
// never replaces an existing file. Non-finite numbers are written as null. A resumed run's log
// continues the file (see the second constructor).
//
//   lockstep::MetricsLog log("run.jsonl");
//   log.record({{"type", "step"}}, {{"step", 10}, {"loss", 0.25}});
//   log.commit();   // run.jsonl now holds the lines; without commit() nothing is replaced
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "lockstep/core/atomic_file.hpp"  // write_file_atomically

namespace lockstep {

class MetricsLog {
 public:
  /// An empty path makes a log that records nothing.
  explicit MetricsLog(std::filesystem::path path);
  /// A resumed run's log: it starts with the lines (of the file, or of what a killed run left
  /// in its temporary, whichever is newer) whose "step" is at most `resumed_at`, so the log of
  /// a resumed run reads as the uninterrupted run's.
  MetricsLog(std::filesystem::path path, std::int64_t resumed_at);
  ~MetricsLog();
  MetricsLog(const MetricsLog&) = delete;
  MetricsLog& operator=(const MetricsLog&) = delete;

  bool enabled() const { return file_ != nullptr; }
  /// One line: the string fields, then the numeric ones, in the order given.
  void record(const std::vector<std::pair<std::string, std::string>>& strings,
              const std::vector<std::pair<std::string, double>>& numbers);
  /// Fsyncs and renames the temporary file over the target.
  void commit();

 private:
  std::unique_ptr<AtomicFile> file_;  // null: disabled, or committed
};

}  // namespace lockstep
