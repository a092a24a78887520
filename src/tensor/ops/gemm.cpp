#include "tensor/ops/gemm.hpp"

#include "lockstep/core/error.hpp"

#ifdef LOCKSTEP_WITH_DNNL
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>
#endif

namespace lockstep::ops::detail {

namespace {

using Stride = Eigen::OuterStride<>;
using ConstMap = Eigen::Map<const RowMatrix, Eigen::Unaligned, Stride>;
using MutMap = Eigen::Map<RowMatrix, Eigen::Unaligned, Stride>;

void eigen_gemm(bool ta, bool tb, Index m, Index n, Index k, const float* a, Index lda,
                const float* b, Index ldb, float beta, float* c, Index ldc) {
  MutMap C(c, m, n, Stride(ldc));
  const ConstMap A(a, ta ? k : m, ta ? m : k, Stride(lda));
  const ConstMap B(b, tb ? n : k, tb ? k : n, Stride(ldb));
  if (beta == 0.0f) {
    if (!ta && !tb) C.noalias() = A * B;
    if (!ta && tb) C.noalias() = A * B.transpose();
    if (ta && !tb) C.noalias() = A.transpose() * B;
    if (ta && tb) C.noalias() = A.transpose() * B.transpose();
    return;
  }
  if (beta != 1.0f) C *= beta;
  if (!ta && !tb) C.noalias() += A * B;
  if (!ta && tb) C.noalias() += A * B.transpose();
  if (ta && !tb) C.noalias() += A.transpose() * B;
  if (ta && tb) C.noalias() += A.transpose() * B.transpose();
}

#ifdef LOCKSTEP_WITH_DNNL
// Below this many multiply-adds the call overhead outweighs oneDNN's faster kernels.
constexpr double kDnnlMinWork = 32.0 * 32.0 * 32.0;
constexpr Index kDnnlMinDim = 8;
#endif

}  // namespace

void gemm(bool ta, bool tb, Index m, Index n, Index k, const float* a, Index lda, const float* b,
          Index ldb, float beta, float* c, Index ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    MutMap C(c, m, n, Stride(ldc));
    if (beta == 0.0f)
      C.setZero();
    else
      C *= beta;
    return;
  }
#ifdef LOCKSTEP_WITH_DNNL
  // Matrix-vector shapes stay on Eigen too: its GEMV is as fast, without oneDNN's per-call cost.
  if (m >= kDnnlMinDim && n >= kDnnlMinDim && k >= kDnnlMinDim &&
      double(m) * double(n) * double(k) >= kDnnlMinWork) {
    // oneDNN threads with OpenMP: one thread per caller, so replicas never oversubscribe.
    thread_local bool single_threaded = [] {
      omp_set_num_threads(1);
      return true;
    }();
    (void)single_threaded;
    const dnnl_status_t status =
        dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
    LOCKSTEP_CHECK(status == dnnl_success, "oneDNN sgemm failed with status ", int(status),
                   " for a [", m, " x ", k, "] @ [", k, " x ", n, "] product");
    return;
  }
#endif
  eigen_gemm(ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc);
}

const char* gemm_backend() {
#ifdef LOCKSTEP_WITH_DNNL
  return "oneDNN";
#else
  return "Eigen";
#endif
}

}  // namespace lockstep::ops::detail
