// lockstep/core/error.hpp — the one exception type of the library and the checks that raise it.
//
// Every precondition is checked with LOCKSTEP_CHECK, whose message carries the offending
// values, in the manner of PyTorch's TORCH_CHECK:
//
//   LOCKSTEP_CHECK(lr >= 0, "Invalid learning rate: ", lr);
//   // throws lockstep::Error("Invalid learning rate: -0.1")
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace lockstep {

/// Thrown for every misuse the library detects: bad shapes, bad options, misuse of autograd.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

namespace detail {
template <class... Args>
std::string str_cat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}
[[noreturn]] void throw_error(const std::string& message);
}  // namespace detail

}  // namespace lockstep

/// Throws lockstep::Error with the streamed arguments as message when `cond` is false.
#define LOCKSTEP_CHECK(cond, ...)                                                \
  do {                                                                           \
    if (!(cond)) [[unlikely]] {                                                  \
      ::lockstep::detail::throw_error(::lockstep::detail::str_cat(__VA_ARGS__)); \
    }                                                                            \
  } while (0)
