// Internal: the one general matrix product every matmul/linear kernel goes through.
//
//   C = op(A) op(B) + beta C   (row-major; op = transpose when the flag is set)
//
// Large products go to oneDNN's sgemm (JIT AVX-512/AVX2 kernels; measured here ~1.5x Eigen's
// product on one core) when lockstep is built with it (LOCKSTEP_GEMM=dnnl, the default when
// Debian's libdnnl-dev is present); small ones, and builds without oneDNN, use Eigen. oneDNN
// runs single-threaded on the calling thread: parallelism belongs to the replicas.
#pragma once

#include "lockstep/tensor/tensor.hpp"

namespace lockstep::ops::detail {

void gemm(bool trans_a, bool trans_b, Index m, Index n, Index k, const float* a, Index lda,
          const float* b, Index ldb, float beta, float* c, Index ldc);

/// Which implementation large products use: "oneDNN" or "Eigen".
const char* gemm_backend();

}  // namespace lockstep::ops::detail
