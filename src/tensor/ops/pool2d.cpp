#include "lockstep/tensor/ops/pool2d.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "lockstep/core/error.hpp"
#include "tensor/ops/check.hpp"

namespace lockstep::ops {

Size2d Pool2dGeometry::effective_stride() const {
  return Size2d(stride.h == 0 ? kernel.h : stride.h, stride.w == 0 ? kernel.w : stride.w);
}

void Pool2dGeometry::validate() const {
  LOCKSTEP_CHECK(input.channels > 0 && input.height > 0 && input.width > 0,
                 "pool2d: input image shape ", input, " must be positive");
  LOCKSTEP_CHECK(kernel.h > 0 && kernel.w > 0, "pool2d: kernel size ", kernel, " must be positive");
  LOCKSTEP_CHECK(stride.h >= 0 && stride.w >= 0, "pool2d: stride ", stride,
                 " must be positive (or 0 for the kernel size)");
  LOCKSTEP_CHECK(
      padding.h >= 0 && padding.w >= 0 && 2 * padding.h <= kernel.h && 2 * padding.w <= kernel.w,
      "pool2d: padding ", padding, " must be between 0 and half the kernel size ", kernel);
  LOCKSTEP_CHECK(
      kernel.h <= input.height + 2 * padding.h && kernel.w <= input.width + 2 * padding.w,
      "pool2d: kernel size ", kernel, " is larger than the padded input ",
      Size2d(input.height + 2 * padding.h, input.width + 2 * padding.w), " of image ", input,
      " with padding ", padding);
  LOCKSTEP_CHECK(input.plane() <= (Index(1) << 24), "pool2d: image planes of ", input.plane(),
                 " elements are too large (at most 2^24)");
}

ImageShape Pool2dGeometry::output() const {
  validate();
  const Size2d s = effective_stride();
  return ImageShape{input.channels, (input.height + 2 * padding.h - kernel.h) / s.h + 1,
                    (input.width + 2 * padding.w - kernel.w) / s.w + 1};
}

Shape pool2d_shape(Shape x, const Pool2dGeometry& g) {
  const ImageShape out = g.output();
  LOCKSTEP_CHECK(x.cols == g.input.numel(), "pool2d: input of shape ", x, " has ", x.cols,
                 " features per row, expected C*H*W = ", g.input.numel(), " for images ", g.input);
  return Shape{x.rows, out.numel()};
}

namespace {

// One window of an output position: input rows [h0, h1), columns [w0, w1), clipped to the
// image; `padded` is the window's size including padding (clipped to the padded image).
struct Window {
  Index h0, h1, w0, w1, padded;
};

Window window(const Pool2dGeometry& g, Size2d s, Index oh, Index ow) {
  const Index hs = oh * s.h - g.padding.h, ws = ow * s.w - g.padding.w;
  const Index he = std::min(hs + g.kernel.h, g.input.height + g.padding.h);
  const Index we = std::min(ws + g.kernel.w, g.input.width + g.padding.w);
  Window win{std::max<Index>(hs, 0), std::min(he, g.input.height), std::max<Index>(ws, 0),
             std::min(we, g.input.width), (he - hs) * (we - ws)};
  return win;
}

// Calls f(input plane offset, output plane offset) for every (sample, channel).
template <class F>
void for_each_plane(Index rows, const Pool2dGeometry& g, const ImageShape& out, F&& f) {
  for (Index n = 0; n < rows; ++n) {
    for (Index c = 0; c < g.input.channels; ++c) {
      f(n * g.input.numel() + c * g.input.plane(), n * out.numel() + c * out.plane());
    }
  }
}

}  // namespace

void max_pool2d_forward(Tensor& out, Tensor& argmax, const Tensor& x, const Pool2dGeometry& g) {
  const Shape shape = pool2d_shape(x.shape(), g);
  detail::check_shape(out, shape, "max_pool2d_forward (out)");
  detail::check_shape(argmax, shape, "max_pool2d_forward (argmax)");
  const ImageShape o = g.output();
  const Size2d s = g.effective_stride();
  const Index height = g.input.height, width = g.input.width;
  const bool two_by_two = g.kernel == Size2d(2) && s == Size2d(2) && g.padding == Size2d(0);
  for_each_plane(x.rows(), g, o, [&](Index in_off, Index out_off) {
    const float* plane = x.data() + in_off;
    float* y = out.data() + out_off;
    float* at = argmax.data() + out_off;
    if (two_by_two) {  // the common case, unrolled: the same comparisons in the same order
      for (Index oh = 0; oh < o.height; ++oh) {
        const Index top = 2 * oh * width;
        for (Index ow = 0; ow < o.width; ++ow) {
          Index best_at = top + 2 * ow;
          float best = plane[best_at];
          for (const Index i : {best_at + 1, best_at + width, best_at + width + 1}) {
            const float v = plane[i];
            const bool take = (v > best) | std::isnan(v);
            best = take ? v : best;
            best_at = take ? i : best_at;
          }
          *y++ = best;
          *at++ = static_cast<float>(best_at);
        }
      }
      return;
    }
    for (Index oh = 0; oh < o.height; ++oh) {
      const Index hs = oh * s.h - g.padding.h;
      const Index h0 = std::max<Index>(hs, 0), h1 = std::min(hs + g.kernel.h, height);
      for (Index ow = 0; ow < o.width; ++ow) {
        const Index ws = ow * s.w - g.padding.w;
        const Index w0 = std::max<Index>(ws, 0), w1 = std::min(ws + g.kernel.w, width);
        // PyTorch starts from -inf at the window's first element; starting from that element's
        // value picks the same maximum and index (padding never wins).
        Index best_at = h0 * width + w0;
        float best = plane[best_at];
        for (Index h = h0; h < h1; ++h) {
          const float* row = plane + h * width;
          for (Index w = w0; w < w1; ++w) {
            // Branch-free (selects, not jumps): which element wins is data, not a pattern.
            const float v = row[w];
            const bool take = (v > best) | std::isnan(v);
            best = take ? v : best;
            best_at = take ? h * width + w : best_at;
          }
        }
        *y++ = best;
        *at++ = static_cast<float>(best_at);
      }
    }
  });
}

void max_pool2d_backward(Tensor& dx, const Tensor& dout, const Tensor& argmax,
                         const Pool2dGeometry& g) {
  if (!dx.defined()) return;
  const Shape shape{dx.rows(), g.output().numel()};
  detail::check_shape(dx, Shape{dx.rows(), g.input.numel()}, "max_pool2d_backward (dx)");
  detail::check_shape(dout, shape, "max_pool2d_backward (dout)");
  detail::check_shape(argmax, shape, "max_pool2d_backward (argmax)");
  dx.zero_();
  const ImageShape o = g.output();
  const Index plane_size = g.input.plane();
  for_each_plane(dx.rows(), g, o, [&](Index in_off, Index out_off) {
    float* d = dx.data() + in_off;
    for (Index i = 0; i < o.plane(); ++i) {
      const Index at = static_cast<Index>(argmax.data()[out_off + i]);
      LOCKSTEP_CHECK(at >= 0 && at < plane_size, "max_pool2d_backward: argmax ", at,
                     " outside the plane of ", plane_size, " elements");
      d[at] += dout.data()[out_off + i];
    }
  });
}

void avg_pool2d_forward(Tensor& out, const Tensor& x, const Pool2dGeometry& g) {
  detail::check_shape(out, pool2d_shape(x.shape(), g), "avg_pool2d_forward");
  const ImageShape o = g.output();
  const Size2d s = g.effective_stride();
  const Index width = g.input.width;
  for_each_plane(x.rows(), g, o, [&](Index in_off, Index out_off) {
    const float* plane = x.data() + in_off;
    for (Index oh = 0; oh < o.height; ++oh) {
      for (Index ow = 0; ow < o.width; ++ow) {
        const Window win = window(g, s, oh, ow);
        float sum = 0.0f;
        for (Index h = win.h0; h < win.h1; ++h)
          for (Index w = win.w0; w < win.w1; ++w) sum += plane[h * width + w];
        const Index divisor =
            g.count_include_pad ? win.padded : (win.h1 - win.h0) * (win.w1 - win.w0);
        out.data()[out_off + oh * o.width + ow] = sum / static_cast<float>(divisor);
      }
    }
  });
}

void avg_pool2d_backward(Tensor& dx, const Tensor& dout, const Pool2dGeometry& g) {
  if (!dx.defined()) return;
  detail::check_shape(dx, Shape{dx.rows(), g.input.numel()}, "avg_pool2d_backward (dx)");
  detail::check_shape(dout, Shape{dx.rows(), g.output().numel()}, "avg_pool2d_backward (dout)");
  dx.zero_();
  const ImageShape o = g.output();
  const Size2d s = g.effective_stride();
  const Index width = g.input.width;
  for_each_plane(dx.rows(), g, o, [&](Index in_off, Index out_off) {
    float* d = dx.data() + in_off;
    for (Index oh = 0; oh < o.height; ++oh) {
      for (Index ow = 0; ow < o.width; ++ow) {
        const Window win = window(g, s, oh, ow);
        const Index divisor =
            g.count_include_pad ? win.padded : (win.h1 - win.h0) * (win.w1 - win.w0);
        const float share = dout.data()[out_off + oh * o.width + ow] / static_cast<float>(divisor);
        for (Index h = win.h0; h < win.h1; ++h)
          for (Index w = win.w0; w < win.w1; ++w) d[h * width + w] += share;
      }
    }
  });
}

}  // namespace lockstep::ops
