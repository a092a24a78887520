#include "lockstep/autograd/grad_sink.hpp"

namespace lockstep {

namespace {
thread_local float* sink = nullptr;
}

float* grad_sink() { return sink; }

GradSinkGuard::GradSinkGuard(float* buffer) : previous_(sink) { sink = buffer; }

GradSinkGuard::~GradSinkGuard() { sink = previous_; }

}  // namespace lockstep
