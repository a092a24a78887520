#include "lockstep/data/standardizer.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "lockstep/core/error.hpp"

namespace lockstep {

namespace {

// Rows read per chunk: about 4 MiB of floats, at least one row.
Index chunk_rows(Index cols) {
  return std::max<Index>(1, (Index(1) << 20) / std::max<Index>(cols, 1));
}

}  // namespace

Standardizer& Standardizer::fit_rows(Index n, Index d, const ReadRows& read) {
  const auto cols = static_cast<std::size_t>(d);
  // Two passes in double, each row by row (the order per column is the rows' order, as a
  // column-by-column walk would sum them): exact enough that constant columns give exactly
  // zero variance.
  std::vector<double> sum(cols, 0.0), squares(cols, 0.0);
  std::vector<float> first(cols);
  const Index step = std::min(chunk_rows(d), n);
  Tensor buffer(Shape{step, d});
  auto each_chunk = [&](auto&& visit) {
    for (Index begin = 0; begin < n; begin += step) {
      const Index count = std::min(step, n - begin);
      Tensor chunk = count == step ? buffer : buffer.rows_view(0, count);
      read(begin, chunk);
      for (Index r = 0; r < count; ++r) visit(chunk.data() + r * d);
    }
  };
  bool first_row = true;
  each_chunk([&](const float* row) {
    if (first_row) std::copy(row, row + d, first.begin());
    first_row = false;
    for (std::size_t c = 0; c < cols; ++c) sum[c] += row[c];
  });
  std::vector<double> mean(cols);
  for (std::size_t c = 0; c < cols; ++c) mean[c] = sum[c] / static_cast<double>(n);
  each_chunk([&](const float* row) {
    for (std::size_t c = 0; c < cols; ++c) squares[c] += (row[c] - mean[c]) * (row[c] - mean[c]);
  });
  std::vector<float> m(cols), stddev(cols);
  for (std::size_t c = 0; c < cols; ++c) {
    const double sd = std::sqrt(squares[c] / static_cast<double>(n));
    LOCKSTEP_CHECK(std::isfinite(mean[c]) && std::isfinite(sd), "Standardizer::fit: feature ", c,
                   " has a non-finite mean or standard deviation (mean ", mean[c], ", std ", sd,
                   ")");
    if (sd == 0) {
      LOCKSTEP_CHECK(options_.keep_constant, "Standardizer::fit: feature ", c,
                     " has zero variance (every value is ", first[c],
                     "); drop it, or set keep_constant to leave it unscaled");
    }
    m[c] = static_cast<float>(mean[c]);
    stddev[c] = sd == 0 ? 1.0f : static_cast<float>(sd);
  }
  mean_ = std::move(m);
  std_ = std::move(stddev);
  return *this;
}

Standardizer& Standardizer::fit(const Tensor& data) {
  LOCKSTEP_CHECK(data.defined() && data.rows() > 0,
                 "Standardizer::fit needs at least one row, got shape ", data.shape());
  return fit_rows(data.rows(), data.cols(),
                  [&](Index begin, Tensor& chunk) { chunk = data.rows_view(begin, chunk.rows()); });
}

Standardizer& Standardizer::fit(const Dataset& data) {
  LOCKSTEP_CHECK(data.size() > 0, "Standardizer::fit needs at least one sample, got ", data.size());
  std::vector<Index> indices;
  Tensor targets;
  return fit_rows(data.size(), data.feature_dim(), [&](Index begin, Tensor& chunk) {
    indices.resize(static_cast<std::size_t>(chunk.rows()));
    std::iota(indices.begin(), indices.end(), begin);
    if (!targets.defined() || targets.rows() != chunk.rows())
      targets = Tensor(Shape{chunk.rows(), data.target_dim()});
    data.get_batch(indices, chunk, targets);
  });
}

void Standardizer::check_fitted(const Tensor& data, const char* what) const {
  LOCKSTEP_CHECK(fitted(), "Standardizer::", what, " before fit()");
  LOCKSTEP_CHECK(data.cols() == static_cast<Index>(mean_.size()), "Standardizer::", what,
                 ": data of shape ", data.shape(), " has ", data.cols(),
                 " features, the standardizer was fitted on ", mean_.size());
}

Tensor Standardizer::transform(const Tensor& data) const {
  check_fitted(data, "transform");
  Tensor out = data.clone();
  for (Index r = 0; r < out.rows(); ++r)
    transform_row({out.data() + r * out.cols(), static_cast<std::size_t>(out.cols())});
  return out;
}

void Standardizer::transform_row(std::span<float> row) const {
  LOCKSTEP_CHECK(fitted() && row.size() == mean_.size(), "Standardizer::transform_row: a row of ",
                 row.size(), " features, the standardizer was fitted on ", mean_.size());
  for (std::size_t c = 0; c < row.size(); ++c) row[c] = (row[c] - mean_[c]) / std_[c];
}

Tensor Standardizer::inverse_transform(const Tensor& data) const {
  check_fitted(data, "inverse_transform");
  Tensor out = data.clone();
  for (Index r = 0; r < out.rows(); ++r)
    for (Index c = 0; c < out.cols(); ++c)
      out(r, c) = out(r, c) * std_[std::size_t(c)] + mean_[std::size_t(c)];
  return out;
}

void Standardizer::set_statistics(std::vector<float> mean, std::vector<float> stddev) {
  LOCKSTEP_CHECK(mean.size() == stddev.size(), "Standardizer::set_statistics: ", mean.size(),
                 " means but ", stddev.size(), " standard deviations");
  for (std::size_t c = 0; c < stddev.size(); ++c)
    LOCKSTEP_CHECK(std::isfinite(stddev[c]) && stddev[c] > 0,
                   "Standardizer::set_statistics: feature ", c, " has standard deviation ",
                   stddev[c], " (must be finite and positive)");
  mean_ = std::move(mean);
  std_ = std::move(stddev);
}

}  // namespace lockstep
