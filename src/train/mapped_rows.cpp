#include "train/mapped_rows.hpp"

#include <algorithm>

#include "lockstep/core/error.hpp"

namespace lockstep {

MappedRows::MappedRows(NpyArray features, Tensor targets, std::optional<std::vector<Index>> rows,
                       std::optional<Standardizer> scaler)
    : features_(std::move(features)),
      targets_(std::move(targets)),
      rows_(std::move(rows)),
      scaler_(std::move(scaler)) {
  LOCKSTEP_CHECK(targets_.defined() && targets_.rows() == features_.rows(), features_.path(), ": ",
                 features_.rows(), " rows of features but ",
                 targets_.defined() ? targets_.rows() : 0, " of targets");
  if (rows_) {
    for (std::size_t i = 0; i < rows_->size(); ++i)
      LOCKSTEP_CHECK((*rows_)[i] >= 0 && (*rows_)[i] < features_.rows(), features_.path(),
                     ": view row ", i, " is file row ", (*rows_)[i], ", out of range for ",
                     features_.rows(), " rows");
  }
  LOCKSTEP_CHECK(!scaler_ || (scaler_->fitted() && Index(scaler_->mean().size()) == feature_dim()),
                 features_.path(), ": a standardizer for ", scaler_ ? scaler_->mean().size() : 0,
                 " features, the file has ", feature_dim());
}

void MappedRows::read(Index index, float* x, float* y) const {
  const Index row = file_row(index), d = feature_dim(), t = target_dim();
  const std::span<float> features(x, std::size_t(d));
  features_.read_row(row, features);
  if (scaler_) scaler_->transform_row(features);
  std::copy_n(targets_.data() + row * t, t, y);
}

void MappedRows::get(Index index, std::span<float> x, std::span<float> y) const {
  LOCKSTEP_CHECK(index >= 0 && index < size(), features_.path(), ": index ", index,
                 " is out of range for ", size(), " samples");
  LOCKSTEP_CHECK(Index(x.size()) == feature_dim() && Index(y.size()) == target_dim(),
                 features_.path(), ": buffers of ", x.size(), " and ", y.size(),
                 " floats for a sample of ", feature_dim(), " and ", target_dim());
  read(index, x.data(), y.data());
}

void MappedRows::get_batch(std::span<const Index> indices, Tensor& x, Tensor& y) const {
  const Index n = Index(indices.size()), d = feature_dim(), t = target_dim();
  LOCKSTEP_CHECK(x.rows() == n && x.cols() == d && y.rows() == n && y.cols() == t, features_.path(),
                 ": x of shape ", x.shape(), " and y of shape ", y.shape(), " for ", n,
                 " samples of ", d, " and ", t, " floats");
  for (const Index i : indices) {
    if (i < 0 || i >= size()) [[unlikely]] {
      throw SampleError(i, detail::str_cat(features_.path(), ": index ", i, " is out of range for ",
                                           size(), " samples"));
    }
  }
  // Runs of consecutive file rows (a sequential pass, or a split's rows in file order) are one
  // read each.
  for (Index r = 0; r < n;) {
    const Index first = file_row(indices[std::size_t(r)]);
    Index run = 1;
    while (r + run < n && file_row(indices[std::size_t(r + run)]) == first + run) ++run;
    float* xr = x.data() + r * d;
    features_.read_rows(first, run, {xr, std::size_t(run * d)});
    for (Index k = 0; k < run; ++k) {
      if (scaler_) scaler_->transform_row({xr + k * d, std::size_t(d)});
      std::copy_n(targets_.data() + (first + k) * t, t, y.data() + (r + k) * t);
    }
    r += run;
  }
}

}  // namespace lockstep
