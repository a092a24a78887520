// lockstep/tensor/ops/reduction.hpp — how a loss reduces its element-wise values (PyTorch's
// `reduction=`): None keeps them, Mean averages them, Sum adds them. Every loss kernel and
// module (mse, l1, nll, cross_entropy, bce_with_logits) takes one.
//
//   lockstep::MSELoss loss(lockstep::Reduction::Sum);
//   std::printf("%s\n", lockstep::to_string(lockstep::Reduction::Mean));   // "mean"
#pragma once

namespace lockstep {

enum class Reduction { None, Mean, Sum };
/// "none", "mean" or "sum".
const char* to_string(Reduction r);

}  // namespace lockstep
