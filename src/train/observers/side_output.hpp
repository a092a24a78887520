// src/train/observers/side_output.hpp (internal) — a side output of a run (the metrics log,
// the trace, checkpoints) that fails does not abort the run: the failure is said once, on the
// run's warning stream and in TrainResult::warnings, and training goes on. The model file is
// not a side output: it is written first, and a failure there is an error.
//
//   Warnings warnings(stderr);
//   SideOutput metrics("--metrics run.jsonl", warnings, SideOutput::Failure::give_up);
//   metrics.attempt([&] { log.record(...); });   // false once it failed (and then never runs)
#pragma once

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

namespace lockstep {

/// Where a run's warnings go.
struct Warnings {
  explicit Warnings(std::FILE* to) : out(to) {}
  std::FILE* out;
  std::vector<std::string> said;
  void warn(const std::string& text) {
    said.push_back(text);
    if (out != nullptr) {
      std::fprintf(out, "warning: %s\n", text.c_str());
      std::fflush(out);
    }
  }
};

class SideOutput {
 public:
  enum class Failure {
    give_up,  // a broken stream (a log): stop writing it
    retry,    // independent writes (checkpoints): try each one, say the first failure only
  };
  SideOutput(std::string name, Warnings& warnings, Failure on_failure)
      : name_(std::move(name)), warnings_(warnings), on_failure_(on_failure) {}

  /// Runs `write` unless the output was given up; a failure is caught and said once.
  template <class Write>
  bool attempt(Write&& write) {
    if (failed_ && on_failure_ == Failure::give_up) return false;
    try {
      write();
      return true;
    } catch (const std::exception& e) {
      if (!failed_)
        warnings_.warn(name_ + ": " + e.what() +
                       (on_failure_ == Failure::give_up ? "; the run goes on without it"
                                                        : "; the run goes on (later ones will "
                                                          "be tried)"));
      failed_ = true;
      return false;
    }
  }
  bool failed() const { return failed_; }

 private:
  std::string name_;
  Warnings& warnings_;
  Failure on_failure_;
  bool failed_ = false;
};

}  // namespace lockstep
