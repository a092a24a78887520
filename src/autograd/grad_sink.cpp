#include "lockstep/autograd/grad_sink.hpp"

#include <algorithm>

namespace lockstep {

GradSink::GradSink(float* buffer, Mode mode) : buffer_(buffer), mode_(mode) {}

bool GradSink::written(Index flat_offset) const {
  // A few dozen parameters at most in practice: a linear scan beats any set.
  return std::find(marks_.begin(), marks_.end(), flat_offset) != marks_.end();
}

void GradSink::mark_written(Index flat_offset) {
  if (!written(flat_offset)) marks_.push_back(flat_offset);
}

}  // namespace lockstep
