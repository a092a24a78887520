#include "lockstep/data/dataset.hpp"

#include <exception>

#include "lockstep/core/error.hpp"

namespace lockstep {

Example Dataset::get(Index index) const {
  LOCKSTEP_CHECK(index >= 0 && index < size(), "dataset index ", index,
                 " is out of range for a dataset of ", size(), " samples");
  Example e{Tensor(Shape{1, feature_dim()}), Tensor(Shape{1, target_dim()})};
  get(index, e.x.span(), e.y.span());
  return e;
}

void Dataset::get_batch(std::span<const Index> indices, Tensor& x, Tensor& y) const {
  const Index n = static_cast<Index>(indices.size()), fd = feature_dim(), td = target_dim();
  LOCKSTEP_CHECK(x.rows() == n && x.cols() == fd && y.rows() == n && y.cols() == td,
                 "Dataset::get_batch: x of shape ", x.shape(), " and y of shape ", y.shape(),
                 " for ", n, " samples of ", fd, " and ", td, " floats");
  for (Index r = 0; r < n; ++r) {
    const Index i = indices[static_cast<std::size_t>(r)];
    try {
      get(i, {x.data() + r * fd, static_cast<std::size_t>(fd)},
          {y.data() + r * td, static_cast<std::size_t>(td)});
    } catch (const std::exception& e) {
      std::throw_with_nested(
          SampleError(i, detail::str_cat("Dataset::get_batch: sample ", i, " (row ", r, " of ", n,
                                         ") failed: ", e.what())));
    }
  }
}

}  // namespace lockstep
