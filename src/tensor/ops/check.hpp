// Internal: the shape check every kernel makes of the tensors it is handed.
//
//   check_shape(out, matmul_shape(a.shape(), b.shape()), "matmul_forward (out)");
//   // -> "matmul_forward (out): tensor has shape [2, 3], expected [2, 4]"
#pragma once

#include "lockstep/core/error.hpp"
#include "lockstep/tensor/tensor.hpp"

namespace lockstep::ops::detail {

inline void check_shape(const Tensor& t, Shape expected, const char* what) {
  LOCKSTEP_CHECK(t.shape() == expected, what, ": tensor has shape ", t.shape(), ", expected ",
                 expected);
}

}  // namespace lockstep::ops::detail
