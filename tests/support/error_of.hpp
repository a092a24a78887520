// Test support: the message of the lockstep::Error a piece of code throws.
//
//   EXPECT_NE(lockstep::testing::error_of([&] { Linear(0, 3); }).find("got 0"), std::string::npos);
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "lockstep/core/error.hpp"

namespace lockstep::testing {

/// The message of the lockstep::Error that `f` throws; a test failure (and "") when it throws
/// none.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a lockstep::Error, but nothing was thrown";
  return {};
}

}  // namespace lockstep::testing
