// Helpers shared by the io tests: a per-test temporary directory, raw file bytes, hand-built
// safetensors files and error-message checks.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "lockstep/core/error.hpp"
#include "support/error_of.hpp"

namespace lockstep::io_test {

/// A fresh directory for one test, removed with everything in it at the end.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("lockstep_io_" + std::to_string(::getpid()) + "_" + info->test_suite_name() + "_" +
             info->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  const std::filesystem::path& path() const { return path_; }
  /// The names of the directory's entries.
  std::set<std::string> listing() const {
    std::set<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(path_))
      names.insert(e.path().filename().string());
    return names;
  }

 private:
  std::filesystem::path path_;
};

inline std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string le64(std::uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

/// Little-endian bytes of trivially copyable values (the tests run on little-endian hosts).
template <class T>
std::string le_bytes(const std::vector<T>& values) {
  static_assert(std::endian::native == std::endian::little);
  std::string s(values.size() * sizeof(T), '\0');
  if (!values.empty()) std::memcpy(s.data(), values.data(), s.size());
  return s;
}

/// A file: the header's length, the header, then `data`.
inline std::string safetensors_bytes(const std::string& header, const std::string& data) {
  return le64(header.size()) + header + data;
}

using lockstep::testing::error_of;

/// The message of the lockstep::Error `write` throws while files may not grow past `bytes`
/// (SIGXFSZ ignored, so write() fails with EFBIG part-way); "" when it throws none. The limit
/// and the signal's action are restored before returning.
template <class Write>
std::string error_under_file_size_limit(rlim_t bytes, Write&& write) {
  struct sigaction ignore {
  }, old_action{};
  ignore.sa_handler = SIG_IGN;
  EXPECT_EQ(::sigaction(SIGXFSZ, &ignore, &old_action), 0);
  rlimit old_limit{};
  EXPECT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  rlimit small = old_limit;
  small.rlim_cur = bytes;
  EXPECT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string message;
  try {
    write();
  } catch (const Error& e) {
    message = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  ::sigaction(SIGXFSZ, &old_action, nullptr);
  return message;
}

}  // namespace lockstep::io_test

/// Checks that `message` contains each of the following strings.
#define EXPECT_MESSAGE_HAS(message, ...)                                                    \
  do {                                                                                      \
    const std::string lockstep_message_ = (message);                                        \
    for (const std::string& lockstep_part_ : std::vector<std::string>{__VA_ARGS__})         \
      EXPECT_NE(lockstep_message_.find(lockstep_part_), std::string::npos)                  \
          << "expected \"" << lockstep_part_ << "\" in the message: " << lockstep_message_; \
  } while (0)
