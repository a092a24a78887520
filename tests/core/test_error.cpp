#include <gtest/gtest.h>

#include "lockstep/core/error.hpp"
#include "lockstep/core/printable.hpp"

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

TEST(Printable, EscapesControlBytesAndKeepsTheRest) {
  EXPECT_EQ(lockstep::printable("plain text, caf\xc3\xa9"), "plain text, caf\xc3\xa9");
  EXPECT_EQ(lockstep::printable("a\x1b[2J\tb\n\x7f"), "a\\x1b[2J\\x09b\\x0a\\x7f");
  EXPECT_EQ(lockstep::printable(std::string("\0", 1)), "\\x00");
}
