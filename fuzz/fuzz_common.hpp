// fuzz/fuzz_common.hpp — what the libFuzzer targets share: one temporary directory per process
// (for the path-based readers) and the rule that a lockstep::Error is the expected answer to
// bad input. Anything else escaping a target (another exception type, a crash, a sanitizer
// report, a timeout, a huge allocation) is a finding.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "lockstep/core/error.hpp"

namespace lockstep::fuzz {

/// A directory of this process's own, created on first use and reused for every input.
inline const std::filesystem::path& temp_dir() {
  static const std::filesystem::path dir = [] {
    std::filesystem::path p =
        std::filesystem::temp_directory_path() / ("lockstep_fuzz_" + std::to_string(::getpid()));
    std::filesystem::create_directories(p);
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(temp_dir(), ignored);
    });
    return p;
  }();
  return dir;
}

/// Writes the input to temp_dir()/name (replacing what the previous input left) and returns
/// the path.
inline std::filesystem::path write_temp(const std::string& name, const std::uint8_t* data,
                                        std::size_t size) {
  std::filesystem::path path = temp_dir() / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) {
    std::perror("fuzz: cannot write the temporary input file");
    std::abort();
  }
  return path;
}

/// Runs f; a lockstep::Error (the library's answer to bad input) is swallowed, everything
/// else propagates to libFuzzer.
template <class F>
void expect_ok_or_error(F&& f) {
  try {
    f();
  } catch (const lockstep::Error&) {
  }
}

}  // namespace lockstep::fuzz
