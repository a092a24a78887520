// src/core/clock.hpp (internal) — the one clock the library times its phases with.
//
//   const auto t0 = lockstep::detail::Clock::now();
//   ...
//   double s = lockstep::detail::seconds_since(t0);
#pragma once

#include <chrono>

namespace lockstep::detail {

using Clock = std::chrono::steady_clock;

/// Seconds from `t` until now.
inline double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace lockstep::detail
