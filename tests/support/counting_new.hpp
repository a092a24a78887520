// Test support: global operator new replaced (in the test binary that links counting_new.cpp)
// by one that counts every allocation on every thread, so a test can assert that a piece of
// code takes nothing from the heap.
//
//   const long before = lockstep::testing::allocations();
//   step();
//   EXPECT_EQ(lockstep::testing::allocations() - before, 0);
#pragma once

namespace lockstep::testing {
/// Heap allocations (operator new, any form) made so far by the process.
long allocations();
}  // namespace lockstep::testing
