// lockstep/core/atomic_file.hpp — replacing a file so that a failure never leaves it half
// written: the bytes go to a fresh temporary file next to the target (a unique name created
// with O_EXCL), which commit() fsyncs, closes and renames over the target (then fsyncs the
// directory, best effort). Destroyed without commit(), the temporary is removed and the target
// is untouched. Every error message starts with the caller's context and names the file.
//
//   lockstep::AtomicFile f("model.safetensors", "save_safetensors('model.safetensors'): ");
//   f.write(header.data(), header.size());
//   f.commit();                                      // only now is the old file replaced
//
//   lockstep::write_file_atomically("pred.csv", csv_text);
//
// A process killed before commit() (kill -9, a second SIGINT) leaves its temporary behind. The
// next AtomicFile for the same target removes every such leftover whose process is gone
// (stale_temporaries(): the writer's pid is in the name); a caller that wants their bytes
// (a killed run's metrics) reads them first.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace lockstep {

class AtomicFile {
 public:
  AtomicFile(std::filesystem::path target, std::string context);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, std::size_t count);
  void write(std::string_view text) { write(text.data(), text.size()); }
  /// fsync, close, rename over the target; afterwards the target holds exactly what was written.
  void commit();

  const std::filesystem::path& target() const { return target_; }

  /// Temporaries of `target` left by processes that no longer run, newest first.
  static std::vector<std::filesystem::path> stale_temporaries(const std::filesystem::path& target);

 private:
  std::filesystem::path target_, temp_;
  std::string context_;
  int fd_ = -1;
  bool committed_ = false;
};

/// Replaces `path` with `bytes` atomically (an AtomicFile written in one go).
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes,
                           const std::string& context = {});

}  // namespace lockstep
