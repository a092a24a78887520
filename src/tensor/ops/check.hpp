// Internal: the shape check every kernel makes of the tensors it is handed.
//
//   check_shape(out, matmul_shape(a.shape(), b.shape()), "matmul_forward (out)");
//   // -> "matmul_forward (out): tensor has shape [2, 3], expected [2, 4]"
//   check_shape(dout, s, "mse_backward", "dout");
//   // -> "mse_backward: dout has shape [2, 3], expected [1, 1]"
#pragma once

#include "lockstep/core/error.hpp"
#include "lockstep/tensor/tensor.hpp"

namespace lockstep::ops::detail {

inline void check_shape(const Tensor& t, Shape expected, const char* what) {
  LOCKSTEP_CHECK(t.shape() == expected, what, ": tensor has shape ", t.shape(), ", expected ",
                 expected);
}

/// The loss kernels' wording, which names the tensor:
/// "mse_forward: output has shape [2, 3], expected [1, 1]".
inline void check_shape(const Tensor& t, Shape expected, const char* kernel, const char* name) {
  LOCKSTEP_CHECK(t.shape() == expected, kernel, ": ", name, " has shape ", t.shape(), ", expected ",
                 expected);
}

}  // namespace lockstep::ops::detail
