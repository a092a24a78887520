#include "lockstep/nn/flatten.hpp"

#include "lockstep/core/error.hpp"

namespace lockstep {

Var Flatten::forward(const Var& input) {
  LOCKSTEP_CHECK(input.defined(), "Flatten: undefined input");
  return input;
}

}  // namespace lockstep
