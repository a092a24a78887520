// Helpers of the io tests that hand a file to PyTorch: run a shell command and capture its
// output, quote an argument for the shell, and write a tensor's rows as "a,b;c,d" (the ROWS of
// tests/io/load_in_torch.py).
//
//   const io_test::Command r = io_test::run("/usr/bin/python3 " + io_test::quoted(script));
//   EXPECT_EQ(r.status, 0) << r.output;
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <sstream>
#include <string>

#include "lockstep/tensor/tensor.hpp"

namespace lockstep::io_test {

struct Command {
  int status = -1;
  std::string output;
};

/// Runs `command` with the shell, stderr merged into stdout.
inline Command run(const std::string& command) {
  Command result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe))
    result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

inline std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

/// "a,b;c,d" for a tensor's rows, with every float's digits.
inline std::string rows_text(const Tensor& t) {
  std::ostringstream out;
  out.precision(9);
  for (Index r = 0; r < t.rows(); ++r) {
    for (Index c = 0; c < t.cols(); ++c) out << (c ? "," : (r ? ";" : "")) << t(r, c);
  }
  return out.str();
}

}  // namespace lockstep::io_test
