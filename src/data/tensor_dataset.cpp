#include "lockstep/data/tensor_dataset.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "lockstep/core/error.hpp"

namespace lockstep {
namespace {

// A shuffled batch reads rows scattered over an array far larger than the caches: each row's
// cache lines are prefetched while the rows before it are copied, about kPrefetchBytes of
// feature rows ahead (between 2 and 64 rows). Measured on a 2-core AMD EPYC (1,000,000 random
// rows, 4 KiB pages), against no prefetch: rows of 256 floats 159 -> 74 ns a row (8 rows ahead;
// 4 to 32 were within noise), 16 floats 14.3 -> 5.5 ns (64 ahead), 64 floats 29 -> 20 ns, 784
// floats 446 -> 290 ns (2 ahead or more).
constexpr std::size_t kPrefetchBytes = 8192;
constexpr std::size_t kMinPrefetchRows = 2, kMaxPrefetchRows = 64;
constexpr std::uintptr_t kCacheLine = 64;

void prefetch(const float* begin, std::size_t floats) {
#if defined(__GNUC__)
  const auto end = reinterpret_cast<std::uintptr_t>(begin + floats);
  for (auto line = reinterpret_cast<std::uintptr_t>(begin) & ~(kCacheLine - 1); line < end;
       line += kCacheLine) {
    __builtin_prefetch(reinterpret_cast<const void*>(line), /*rw=*/0, /*locality=*/3);
  }
#else
  (void)begin;
  (void)floats;
#endif
}

}  // namespace

TensorDataset::TensorDataset(Tensor features, Tensor targets)
    : features_(std::move(features)), targets_(std::move(targets)) {
  LOCKSTEP_CHECK(features_.defined() && targets_.defined(),
                 "TensorDataset: features and targets must be defined tensors");
  LOCKSTEP_CHECK(features_.rows() == targets_.rows(),
                 "TensorDataset: size mismatch between tensors: features have shape ",
                 features_.shape(), " and targets ", targets_.shape(),
                 " (they need the same number of rows)");
}

void TensorDataset::get(Index index, std::span<float> x, std::span<float> y) const {
  LOCKSTEP_CHECK(index >= 0 && index < size(), "TensorDataset: index ", index,
                 " is out of range for ", size(), " samples");
  LOCKSTEP_CHECK(
      static_cast<Index>(x.size()) == feature_dim() && static_cast<Index>(y.size()) == target_dim(),
      "TensorDataset::get: buffers of ", x.size(), " and ", y.size(), " floats for a sample of ",
      feature_dim(), " and ", target_dim());
  const float* xr = features_.data() + index * feature_dim();
  const float* yr = targets_.data() + index * target_dim();
  std::copy(xr, xr + feature_dim(), x.begin());
  std::copy(yr, yr + target_dim(), y.begin());
}

void TensorDataset::get_batch(std::span<const Index> indices, Tensor& x, Tensor& y) const {
  const Index n = static_cast<Index>(indices.size()), fd = feature_dim(), td = target_dim();
  LOCKSTEP_CHECK(x.rows() == n && x.cols() == fd && y.rows() == n && y.cols() == td,
                 "TensorDataset::get_batch: x of shape ", x.shape(), " and y of shape ", y.shape(),
                 " for ", n, " samples of ", fd, " and ", td, " floats");
  const Index count = size();
  for (const Index i : indices) {
    if (i < 0 || i >= count) [[unlikely]] {
      throw SampleError(i, detail::str_cat("TensorDataset: index ", i, " is out of range for ",
                                           count, " samples"));
    }
  }
  const float* xs = features_.data();
  const float* ys = targets_.data();
  float* xd = x.data();
  float* yd = y.data();
  const std::size_t rows = indices.size(), xf = static_cast<std::size_t>(fd),
                    yf = static_cast<std::size_t>(td);
  const std::size_t distance =
      std::clamp(kPrefetchBytes / std::max<std::size_t>(xf * sizeof(float), kCacheLine),
                 kMinPrefetchRows, kMaxPrefetchRows);
  for (std::size_t r = 0; r < std::min(distance, rows); ++r) {
    prefetch(xs + indices[r] * fd, xf);
    prefetch(ys + indices[r] * td, yf);
  }
  for (std::size_t r = 0; r < rows; ++r) {
    if (r + distance < rows) {
      const Index ahead = indices[r + distance];
      prefetch(xs + ahead * fd, xf);
      prefetch(ys + ahead * td, yf);
    }
    const Index i = indices[r];
    if (xf > 0) std::memcpy(xd + r * xf, xs + i * fd, xf * sizeof(float));
    if (yf > 0) std::memcpy(yd + r * yf, ys + i * td, yf * sizeof(float));
  }
}

}  // namespace lockstep
