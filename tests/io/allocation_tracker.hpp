// The largest single allocation made through operator new while tracking is on, to check that
// a lying length in a file is never used to size an allocation. allocation_tracker.cpp replaces
// the global operator new/delete of the test binary (forwarding to malloc/free) to record it.
#pragma once

#include <cstddef>

namespace lockstep::io_test {

/// Starts recording (and resets the record).
void start_tracking_allocations();
/// Stops recording and returns the largest request seen since the start, in bytes.
std::size_t stop_tracking_allocations();

}  // namespace lockstep::io_test
