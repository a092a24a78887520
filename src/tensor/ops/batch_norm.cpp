#include "lockstep/tensor/ops/batch_norm.hpp"

#include <cmath>

#include "lockstep/core/error.hpp"
#include "tensor/ops/check.hpp"

namespace lockstep::ops {

namespace {

void check_geometry(Shape x, const BatchNormGeometry& g, const char* op) {
  LOCKSTEP_CHECK(g.channels > 0 && g.spatial > 0, op, ": channels ", g.channels, " and spatial ",
                 g.spatial, " must be positive");
  LOCKSTEP_CHECK(x.cols == g.features(), op, ": input of shape ", x, " has ", x.cols,
                 " features per row, expected ", g.channels, " channels x ", g.spatial, " = ",
                 g.features());
}

void check_channels(const Tensor& t, const BatchNormGeometry& g, const char* what) {
  detail::check_shape(t, Shape{1, g.channels}, what);
}

}  // namespace

void batch_norm_check_batch(Shape x, const BatchNormGeometry& g) {
  check_geometry(x, g, "batch_norm");
  LOCKSTEP_CHECK(x.rows * g.spatial > 1,
                 "batch_norm: expected more than 1 value per channel "
                 "when training, got input of shape ",
                 x, " (", x.rows, " rows x ", g.spatial, " values per channel)");
}

void batch_norm_stats(Tensor& mean, Tensor& invstd, Tensor* unbiased_var, const Tensor& x,
                      const BatchNormGeometry& g, float eps) {
  batch_norm_check_batch(x.shape(), g);
  check_channels(mean, g, "batch_norm_stats (mean)");
  check_channels(invstd, g, "batch_norm_stats (invstd)");
  if (unbiased_var != nullptr) check_channels(*unbiased_var, g, "batch_norm_stats (var)");
  const double count = double(x.rows()) * double(g.spatial);
  // Two passes in double, one channel at a time, rows in order: the mean, then the squared
  // deviations from it (no allocation for per-channel double accumulators).
  for (Index c = 0; c < g.channels; ++c) {
    double sum = 0;
    for (Index n = 0; n < x.rows(); ++n) {
      const float* v = x.data() + n * g.features() + c * g.spatial;
      for (Index s = 0; s < g.spatial; ++s) sum += v[s];
    }
    const double m = sum / count;
    double squares = 0;
    for (Index n = 0; n < x.rows(); ++n) {
      const float* v = x.data() + n * g.features() + c * g.spatial;
      for (Index s = 0; s < g.spatial; ++s) {
        const double d = v[s] - m;
        squares += d * d;
      }
    }
    const double var = squares / count;
    mean.data()[c] = static_cast<float>(m);
    invstd.data()[c] = static_cast<float>(1.0 / std::sqrt(var + double(eps)));
    if (unbiased_var != nullptr)
      unbiased_var->data()[c] = static_cast<float>(squares / (count - 1.0));
  }
}

void batch_norm_invstd(Tensor& invstd, const Tensor& var, float eps) {
  LOCKSTEP_CHECK(invstd.shape() == var.shape(), "batch_norm_invstd: invstd has shape ",
                 invstd.shape(), " but var ", var.shape());
  for (Index c = 0; c < var.numel(); ++c)
    invstd.data()[c] = static_cast<float>(1.0 / std::sqrt(double(var.data()[c]) + double(eps)));
}

void batch_norm_forward(Tensor& out, const Tensor& x, const Tensor& mean, const Tensor& invstd,
                        const Tensor* weight, const Tensor* bias, const BatchNormGeometry& g) {
  check_geometry(x.shape(), g, "batch_norm_forward");
  detail::check_shape(out, x.shape(), "batch_norm_forward (out)");
  check_channels(mean, g, "batch_norm_forward (mean)");
  check_channels(invstd, g, "batch_norm_forward (invstd)");
  if (weight != nullptr) check_channels(*weight, g, "batch_norm_forward (weight)");
  if (bias != nullptr) check_channels(*bias, g, "batch_norm_forward (bias)");
  for (Index n = 0; n < x.rows(); ++n) {
    for (Index c = 0; c < g.channels; ++c) {
      const float scale = invstd.data()[c] * (weight ? weight->data()[c] : 1.0f);
      const float shift = bias ? bias->data()[c] : 0.0f;
      const float m = mean.data()[c];
      const Index at = n * g.features() + c * g.spatial;
      const float* v = x.data() + at;
      float* y = out.data() + at;
      for (Index s = 0; s < g.spatial; ++s) y[s] = (v[s] - m) * scale + shift;
    }
  }
}

void batch_norm_backward(Tensor& dx, Tensor& dweight, Tensor& dbias, const Tensor& dout,
                         const Tensor& x, const Tensor& mean, const Tensor& invstd,
                         const Tensor* weight, const BatchNormGeometry& g, bool batch_statistics) {
  check_geometry(x.shape(), g, "batch_norm_backward");
  detail::check_shape(dout, x.shape(), "batch_norm_backward (dout)");
  check_channels(mean, g, "batch_norm_backward (mean)");
  check_channels(invstd, g, "batch_norm_backward (invstd)");
  if (dx.defined()) detail::check_shape(dx, x.shape(), "batch_norm_backward (dx)");
  if (dweight.defined()) check_channels(dweight, g, "batch_norm_backward (dweight)");
  if (dbias.defined()) check_channels(dbias, g, "batch_norm_backward (dbias)");
  const double count = double(x.rows()) * double(g.spatial);
  for (Index c = 0; c < g.channels; ++c) {
    const double m = mean.data()[c], is = invstd.data()[c];
    double sum_dy = 0, sum_dy_xhat = 0;
    for (Index n = 0; n < x.rows(); ++n) {
      const Index at = n * g.features() + c * g.spatial;
      const float* v = x.data() + at;
      const float* dy = dout.data() + at;
      for (Index s = 0; s < g.spatial; ++s) {
        sum_dy += dy[s];
        sum_dy_xhat += double(dy[s]) * ((v[s] - m) * is);
      }
    }
    if (dweight.defined()) dweight.data()[c] = static_cast<float>(sum_dy_xhat);
    if (dbias.defined()) dbias.data()[c] = static_cast<float>(sum_dy);
    if (!dx.defined()) continue;
    const double w = weight ? weight->data()[c] : 1.0;
    const double mean_dy = batch_statistics ? sum_dy / count : 0.0;
    const double mean_dy_xhat = batch_statistics ? sum_dy_xhat / count : 0.0;
    for (Index n = 0; n < x.rows(); ++n) {
      const Index at = n * g.features() + c * g.spatial;
      const float* v = x.data() + at;
      const float* dy = dout.data() + at;
      float* d = dx.data() + at;
      for (Index s = 0; s < g.spatial; ++s) {
        const double xhat = (v[s] - m) * is;
        d[s] = static_cast<float>(w * is * (dy[s] - mean_dy - xhat * mean_dy_xhat));
      }
    }
  }
}

}  // namespace lockstep::ops
