#include "lockstep/data/standardizer.hpp"

#include <cmath>

#include "lockstep/core/error.hpp"

namespace lockstep {

Standardizer& Standardizer::fit(const Tensor& data) {
  LOCKSTEP_CHECK(data.defined() && data.rows() > 0,
                 "Standardizer::fit needs at least one row, got shape ", data.shape());
  const Index n = data.rows(), d = data.cols();
  std::vector<float> mean(static_cast<std::size_t>(d)), stddev(static_cast<std::size_t>(d));
  for (Index c = 0; c < d; ++c) {
    // Two passes in double: exact enough that constant columns give exactly zero variance.
    double s = 0;
    for (Index r = 0; r < n; ++r) s += data(r, c);
    const double m = s / static_cast<double>(n);
    double ss = 0;
    for (Index r = 0; r < n; ++r) ss += (data(r, c) - m) * (data(r, c) - m);
    const double sd = std::sqrt(ss / static_cast<double>(n));
    LOCKSTEP_CHECK(std::isfinite(m) && std::isfinite(sd), "Standardizer::fit: feature ", c,
                   " has a non-finite mean or standard deviation (mean ", m, ", std ", sd, ")");
    if (sd == 0) {
      LOCKSTEP_CHECK(options_.keep_constant, "Standardizer::fit: feature ", c,
                     " has zero variance (every value is ", data(0, c),
                     "); drop it, or set keep_constant to leave it unscaled");
    }
    mean[static_cast<std::size_t>(c)] = static_cast<float>(m);
    stddev[static_cast<std::size_t>(c)] = sd == 0 ? 1.0f : static_cast<float>(sd);
  }
  mean_ = std::move(mean);
  std_ = std::move(stddev);
  return *this;
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
    for (Index c = 0; c < out.cols(); ++c)
      out(r, c) = (out(r, c) - mean_[std::size_t(c)]) / std_[std::size_t(c)];
  return out;
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
