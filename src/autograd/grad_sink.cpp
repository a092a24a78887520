#include "lockstep/autograd/grad_sink.hpp"

#include <algorithm>
#include <vector>

namespace lockstep {

namespace {
thread_local GradSinkGuard* active = nullptr;
// The written offsets of every live guard on this thread, innermost last. Kept (capacity and
// all) across guards, so a steady-state step marks without allocating.
thread_local std::vector<Index> marks;
}  // namespace

GradSinkGuard* grad_sink_guard() { return active; }

float* grad_sink() { return active != nullptr ? active->buffer() : nullptr; }

GradSinkGuard::GradSinkGuard(float* buffer, Mode mode)
    : buffer_(buffer), mode_(mode), marks_begin_(marks.size()), previous_(active) {
  active = this;
}

GradSinkGuard::~GradSinkGuard() {
  marks.resize(marks_begin_);
  active = previous_;
}

bool GradSinkGuard::written(Index flat_offset) const {
  // A few dozen parameters at most in practice: a linear scan beats any set.
  return std::find(marks.begin() + std::ptrdiff_t(marks_begin_), marks.end(), flat_offset) !=
         marks.end();
}

void GradSinkGuard::mark_written(Index flat_offset) {
  if (!written(flat_offset)) marks.push_back(flat_offset);
}

}  // namespace lockstep
