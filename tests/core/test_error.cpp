#include <gtest/gtest.h>

#include "lockstep/core/error.hpp"

namespace lockstep {

TEST(Error, CheckThrowsWithStreamedValues) {
  const double lr = -0.5;
  try {
    LOCKSTEP_CHECK(lr >= 0, "Invalid learning rate: ", lr);
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "Invalid learning rate: -0.5");
  }
}

TEST(Error, CheckPassesSilently) { EXPECT_NO_THROW(LOCKSTEP_CHECK(1 + 1 == 2, "never")); }

TEST(Error, IsARuntimeError) { EXPECT_THROW(LOCKSTEP_CHECK(false, "x"), std::runtime_error); }

}  // namespace lockstep
