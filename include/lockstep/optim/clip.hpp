// lockstep/optim/clip.hpp — gradient clipping by global norm (torch.nn.utils.clip_grad_norm_).
//
// The L2 norm of all gradients together (as if concatenated into one vector) is computed; when
// it exceeds max_norm, every gradient is scaled in place by max_norm / (total_norm + 1e-6),
// PyTorch's rule (the scale is applied only when it is below 1). Parameters whose gradient is
// undefined are skipped. A non-finite total norm (an inf or NaN gradient) is returned as is and
// nothing is scaled — the caller decides (skip the step, lower the loss scale, stop).
//
//   loss.backward();
//   double norm = lockstep::clip_grad_norm_(model.parameters(), 1.0);
//   if (std::isfinite(norm)) opt.step();
#pragma once

#include <vector>

#include "lockstep/autograd/variable.hpp"

namespace lockstep {

/// Scales the gradients of `params` in place so that their global L2 norm is at most
/// `max_norm` (>= 0, may be infinite); returns the norm before clipping (0 when no parameter
/// has a gradient). The norm is accumulated in double precision.
double clip_grad_norm_(const std::vector<Var>& params, double max_norm);

}  // namespace lockstep
