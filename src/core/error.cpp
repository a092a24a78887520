#include "lockstep/core/error.hpp"

namespace lockstep::detail {

void throw_error(const std::string& message) { throw Error(message); }

}  // namespace lockstep::detail
