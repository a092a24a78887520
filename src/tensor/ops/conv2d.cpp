#include "lockstep/tensor/ops/conv2d.hpp"

#include <cstring>

#include "lockstep/core/error.hpp"
#include "tensor/ops/check.hpp"
#include "tensor/ops/gemm.hpp"
#include "tensor/ops/im2col.hpp"

namespace lockstep::ops {

void Conv2dGeometry::validate() const {
  LOCKSTEP_CHECK(input.channels > 0 && input.height > 0 && input.width > 0,
                 "conv2d: input image shape ", input, " must be positive");
  LOCKSTEP_CHECK(out_channels > 0, "conv2d: out_channels must be positive, got ", out_channels);
  LOCKSTEP_CHECK(kernel.h > 0 && kernel.w > 0, "conv2d: kernel size ", kernel, " must be positive");
  LOCKSTEP_CHECK(stride.h > 0 && stride.w > 0, "conv2d: stride ", stride, " must be positive");
  LOCKSTEP_CHECK(padding.h >= 0 && padding.w >= 0, "conv2d: padding ", padding,
                 " must be non-negative");
  LOCKSTEP_CHECK(dilation.h > 0 && dilation.w > 0, "conv2d: dilation ", dilation,
                 " must be positive");
  LOCKSTEP_CHECK(groups > 0 && input.channels % groups == 0 && out_channels % groups == 0,
                 "conv2d: groups ", groups, " must be positive and divide both in_channels ",
                 input.channels, " and out_channels ", out_channels);
  const Index span_h = dilation.h * (kernel.h - 1) + 1, span_w = dilation.w * (kernel.w - 1) + 1;
  LOCKSTEP_CHECK(span_h <= input.height + 2 * padding.h && span_w <= input.width + 2 * padding.w,
                 "conv2d: kernel size ", kernel, " (dilation ", dilation, ") spans ",
                 Size2d(span_h, span_w), ", larger than the padded input ",
                 Size2d(input.height + 2 * padding.h, input.width + 2 * padding.w), " of image ",
                 input, " with padding ", padding);
}

ImageShape Conv2dGeometry::output() const {
  validate();
  const Index span_h = dilation.h * (kernel.h - 1) + 1, span_w = dilation.w * (kernel.w - 1) + 1;
  return ImageShape{out_channels, (input.height + 2 * padding.h - span_h) / stride.h + 1,
                    (input.width + 2 * padding.w - span_w) / stride.w + 1};
}

Shape conv2d_shape(Shape x, Shape w, const Tensor* bias, const Conv2dGeometry& g) {
  const ImageShape out = g.output();
  LOCKSTEP_CHECK(x.cols == g.input.numel(), "conv2d: input of shape ", x, " has ", x.cols,
                 " features per row, expected C*H*W = ", g.input.numel(), " for images ", g.input);
  const Shape expected_w{g.out_channels, g.weight_cols()};
  LOCKSTEP_CHECK(w == expected_w, "conv2d: weight has shape ", w, ", expected ", expected_w,
                 " ([out_channels, in_channels/groups*kh*kw] for ", g.out_channels, " filters of ",
                 g.input.channels / g.groups, " x ", g.kernel.h, " x ", g.kernel.w, ")");
  if (bias != nullptr) {
    LOCKSTEP_CHECK(bias->shape() == (Shape{1, g.out_channels}), "conv2d: bias has shape ",
                   bias->shape(), ", expected ", Shape{1, g.out_channels});
  }
  return Shape{x.rows, out.numel()};
}

Shape conv2d_workspace_shape(const Conv2dGeometry& g) {
  return Shape{g.patch_size(), g.output().plane()};
}

Shape conv2d_backward_workspace_shape(const Conv2dGeometry& g) {
  return Shape{2 * g.patch_size(), g.output().plane()};
}

namespace {
void check_workspace(const Tensor& ws, Shape expected, const char* op) {
  LOCKSTEP_CHECK(ws.numel() >= expected.numel(), op, ": workspace of shape ", ws.shape(),
                 " is smaller than the ", expected, " it needs");
}
}  // namespace

void conv2d_forward(Tensor& out, const Tensor& x, const Tensor& w, const Tensor* bias,
                    const Conv2dGeometry& g, Tensor& workspace) {
  detail::check_shape(out, conv2d_shape(x.shape(), w.shape(), bias, g), "conv2d_forward");
  const bool identity = detail::im2col_is_identity(g);
  if (!identity) check_workspace(workspace, conv2d_workspace_shape(g), "conv2d_forward");
  const Index oc = g.out_channels, p = g.output().plane();
  const Index og = oc / g.groups, kg = g.weight_cols();  // per group: filters, patch rows
  for (Index n = 0; n < x.rows(); ++n) {
    const float* image = x.data() + n * x.cols();
    const float* patches = image;
    if (!identity) {
      detail::im2col(image, g, workspace.data());
      patches = workspace.data();
    }
    float* y = out.data() + n * out.cols();
    // y [OC, P] = w [OC, K] @ patches [K, P], group by group (each sees its own patch rows)
    for (Index q = 0; q < g.groups; ++q)
      detail::gemm(false, false, og, p, kg, w.data() + q * og * kg, kg, patches + q * kg * p, p,
                   0.0f, y + q * og * p, p);
    if (bias != nullptr) {
      for (Index c = 0; c < oc; ++c) {
        const float b = bias->data()[c];
        float* plane = y + c * p;
        for (Index i = 0; i < p; ++i) plane[i] += b;
      }
    }
  }
}

void conv2d_backward(Tensor& dx, Tensor& dw, Tensor& dbias, const Tensor& dout, const Tensor& x,
                     const Tensor& w, const Conv2dGeometry& g, Tensor& workspace) {
  const Shape out_shape = conv2d_shape(x.shape(), w.shape(), nullptr, g);
  detail::check_shape(dout, out_shape, "conv2d_backward (dout)");
  const bool identity = detail::im2col_is_identity(g);
  if (!identity) check_workspace(workspace, conv2d_backward_workspace_shape(g), "conv2d_backward");
  const Index oc = g.out_channels, k = g.patch_size(), p = g.output().plane();
  const Index og = oc / g.groups, kg = g.weight_cols();  // per group: filters, patch rows
  if (dx.defined()) detail::check_shape(dx, x.shape(), "conv2d_backward (dx)");
  if (dw.defined()) {
    detail::check_shape(dw, w.shape(), "conv2d_backward (dw)");
    if (x.rows() == 0) dw.zero_();
  }
  if (dbias.defined()) {
    detail::check_shape(dbias, Shape{1, oc}, "conv2d_backward (dbias)");
    dbias.zero_();
  }
  float* patches = identity ? nullptr : workspace.data();
  float* dpatches = identity ? nullptr : workspace.data() + k * p;
  for (Index n = 0; n < x.rows(); ++n) {
    const float* image = x.data() + n * x.cols();
    const float* dy = dout.data() + n * dout.cols();
    if (dbias.defined()) {
      for (Index c = 0; c < oc; ++c) dbias.data()[c] += detail::fixed_order_sum(dy + c * p, p);
    }
    if (dw.defined()) {
      const float* cols = image;
      if (!identity) {
        detail::im2col(image, g, patches);
        cols = patches;
      }
      // dw [OC, K/G] (+)= dy [OC, P] @ patches^T [P, K/G] per group, samples in row order
      for (Index q = 0; q < g.groups; ++q)
        detail::gemm(false, true, og, kg, p, dy + q * og * p, p, cols + q * kg * p, p,
                     n == 0 ? 0.0f : 1.0f, dw.data() + q * og * kg, kg);
    }
    if (dx.defined()) {
      float* dimage = dx.data() + n * dx.cols();
      // dpatches [K, P] = w^T [K, OC] @ dy [OC, P] per group (straight into dx for 1x1)
      float* target = identity ? dimage : dpatches;
      for (Index q = 0; q < g.groups; ++q)
        detail::gemm(true, false, kg, p, og, w.data() + q * og * kg, kg, dy + q * og * p, p, 0.0f,
                     target + q * kg * p, p);
      if (!identity) {
        std::memset(dimage, 0, static_cast<std::size_t>(dx.cols()) * sizeof(float));
        detail::col2im(dpatches, g, dimage);
      }
    }
  }
}

}  // namespace lockstep::ops
