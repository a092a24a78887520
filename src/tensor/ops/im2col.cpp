#include "tensor/ops/im2col.hpp"

#include <algorithm>
#include <cstring>

namespace lockstep::ops::detail {

namespace {

// The output columns ow whose input column ow*stride + offset lies in [0, width): [lo, hi).
void valid_range(Index out_width, Index stride, Index offset, Index width, Index& lo, Index& hi) {
  // ow*stride + offset >= 0  <=>  ow >= ceil(-offset / stride)
  lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  // ow*stride + offset <= width - 1  <=>  ow <= floor((width - 1 - offset) / stride)
  const Index last = width - 1 - offset;
  hi = last < 0 ? 0 : std::min(out_width, last / stride + 1);
  lo = std::min(lo, hi);
}

// Calls f(row pointer into the image (or null for a padding row), first valid ow, end of valid
// ow, input column of ow = 0, patch row offset) for every (channel, tap, output row).
template <class F>
void for_each_patch_row(const Conv2dGeometry& g, F&& f) {
  const ImageShape in = g.input, out = g.output();
  const Index plane = out.plane();
  for (Index c = 0; c < in.channels; ++c) {
    for (Index i = 0; i < g.kernel.h; ++i) {
      for (Index j = 0; j < g.kernel.w; ++j) {
        const Index row = (c * g.kernel.h + i) * g.kernel.w + j;
        const Index col_offset = j * g.dilation.w - g.padding.w;
        Index lo = 0, hi = 0;
        valid_range(out.width, g.stride.w, col_offset, in.width, lo, hi);
        for (Index oh = 0; oh < out.height; ++oh) {
          const Index ih = oh * g.stride.h - g.padding.h + i * g.dilation.h;
          const bool inside = ih >= 0 && ih < in.height;
          f(inside ? (c * in.height + ih) * in.width : Index(-1), lo, hi, col_offset,
            row * plane + oh * out.width);
        }
      }
    }
  }
}

}  // namespace

bool im2col_is_identity(const Conv2dGeometry& g) {
  return g.kernel == Size2d(1) && g.stride == Size2d(1) && g.padding == Size2d(0);
}

void im2col(const float* image, const Conv2dGeometry& g, float* patches) {
  const Index out_width = g.output().width, sw = g.stride.w;
  for_each_patch_row(g, [&](Index src, Index lo, Index hi, Index col_offset, Index dst_offset) {
    float* dst = patches + dst_offset;
    if (src < 0) {
      std::fill(dst, dst + out_width, 0.0f);
      return;
    }
    const float* in = image + src;  // the input row; output column ow reads ow*sw + offset
    std::fill(dst, dst + lo, 0.0f);
    if (sw == 1) {
      std::memcpy(dst + lo, in + lo + col_offset,
                  static_cast<std::size_t>(hi - lo) * sizeof(float));
    } else {
      for (Index ow = lo; ow < hi; ++ow) dst[ow] = in[ow * sw + col_offset];
    }
    std::fill(dst + hi, dst + out_width, 0.0f);
  });
}

void col2im(const float* patches, const Conv2dGeometry& g, float* image) {
  const Index sw = g.stride.w;
  for_each_patch_row(g, [&](Index dst, Index lo, Index hi, Index col_offset, Index src_offset) {
    if (dst < 0) return;  // gradients of padding go nowhere
    const float* src = patches + src_offset;
    float* out = image + dst;
    for (Index ow = lo; ow < hi; ++ow) out[ow * sw + col_offset] += src[ow];
  });
}

float fixed_order_sum(const float* v, Index n) {
  float acc[8] = {};
  Index i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; ++k) acc[k] += v[i + k];
  }
  for (int k = 0; i < n; ++i, ++k) acc[k] += v[i];
  return ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]));
}

}  // namespace lockstep::ops::detail
