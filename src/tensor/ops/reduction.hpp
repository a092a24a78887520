// Internal: what every loss kernel does with its Reduction (lockstep/tensor/ops/reduction.hpp), in
// one place: the loss's shape (and the shape check of the element-wise losses), the reduced value
// of an element-wise loss (forward), of a double-precision total (forward of the class-index
// losses), and the factor the upstream gradient of a reduced loss carries to every element
// (backward). Each keeps the floating-point order the kernels have always had.
//
//   out = Tensor(reduced_shape(input.shape(), reduction));
//   reduce_elementwise(out, (input.map() - target.map()).cwiseAbs(), reduction);
//   const float scale = reduced_scale(dout, input.numel(), reduction);  // for Sum and Mean
#pragma once

#include <limits>

#include "lockstep/core/error.hpp"
#include "lockstep/tensor/ops/reduction.hpp"
#include "lockstep/tensor/tensor.hpp"

namespace lockstep::ops::detail {

/// The loss's shape: `elementwise` (the unreduced loss) for Reduction::None, else [1, 1].
inline Shape reduced_shape(Shape elementwise, Reduction reduction) {
  return reduction == Reduction::None ? elementwise : Shape{1, 1};
}

/// The shape of an element-wise loss (mse, l1, bce_with_logits) of `input` against `target`,
/// which must have the same shape: "l1_loss: input has shape [2, 3] but target has shape [3, 2];
/// they must match".
inline Shape elementwise_loss_shape(Shape input, Shape target, Reduction reduction,
                                    const char* op) {
  LOCKSTEP_CHECK(input == target, op, ": input has shape ", input, " but target has shape ", target,
                 "; they must match");
  return reduced_shape(input, reduction);
}

/// Writes the element-wise loss `loss` (an Eigen expression of out's shape for None) into
/// `out`: as it is, its sum, or its mean (NaN for an empty loss), summed in float.
template <class Loss>
void reduce_elementwise(Tensor& out, const Loss& loss, Reduction reduction) {
  switch (reduction) {
    case Reduction::None:
      out.map().array() = loss.array();
      break;
    case Reduction::Sum:
      out(0, 0) = loss.sum();
      break;
    case Reduction::Mean: {
      const Index n = loss.size();
      out(0, 0) =
          n == 0 ? std::numeric_limits<float>::quiet_NaN() : loss.sum() / static_cast<float>(n);
      break;
    }
  }
}

/// A reduced loss from the double-precision total of its terms: the total for Sum, the total
/// over `denominator` for Mean (NaN when the denominator is 0). Not for Reduction::None.
inline float reduce_total(double total, double denominator, Reduction reduction) {
  if (reduction == Reduction::Mean) {
    return denominator == 0 ? std::numeric_limits<float>::quiet_NaN()
                            : static_cast<float>(total / denominator);
  }
  return static_cast<float>(total);
}

/// The gradient factor of every element of a reduced loss: factor * dout(0, 0), divided by
/// `numel` for Mean. 1 for Reduction::None, whose dout is element-wise.
inline float reduced_scale(const Tensor& dout, Index numel, Reduction reduction,
                           float factor = 1.0f) {
  if (reduction == Reduction::None) return 1.0f;
  float scale = factor * dout(0, 0);
  if (reduction == Reduction::Mean) scale /= static_cast<float>(numel);
  return scale;
}

}  // namespace lockstep::ops::detail
