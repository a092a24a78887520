// lockstep/tensor/ops/pool2d.hpp — 2-D max and average pooling (torch.nn.functional.max_pool2d,
// avg_pool2d) as forward/backward kernel pairs over rows of C*H*W floats.
//
// x is [B, C*H*W] (each row one image, see lockstep/tensor/image_shape.hpp), the output
// [B, C*OH*OW] with OH = (H + 2 PH - KH) / SH + 1 (rounded down, PyTorch's ceil_mode=False), OW
// alike. Each channel is pooled on its own.
//   max:  the largest value of each window; padding counts as -infinity (PyTorch requires
//         padding <= kernel / 2, so no window is all padding). A NaN in a window is its maximum
//         (the last NaN in row-major window order), and of equal values the first is chosen, as in
//         PyTorch's CPU kernel. The forward kernel writes that element's index within its channel's
//         plane (ih * W + iw, as a float: exact below 2^24 elements) into `argmax`, which the
//         backward kernel routes the gradient through.
//   avg:  the mean of each window; with count_include_pad (PyTorch's default) padding counts
//         as zeros in the divisor (always KH*KW), else the divisor is the number of input
//         elements under the window.
// The kernels never allocate. A backward kernel skips a dx that is undefined.
//
//   ops::Pool2dGeometry g{.input = {32, 26, 26}, .kernel = 2};   // stride defaults to kernel
//   Tensor out = Tensor::empty(ops::pool2d_shape(x.shape(), g)), idx = Tensor::empty(out.shape());
//   ops::max_pool2d_forward(out, idx, x, g);
//   ops::max_pool2d_backward(dx, dout, idx, g);
//   ops::avg_pool2d_forward(out, x, g);          // g.count_include_pad = true by default
//   ops::avg_pool2d_backward(dx, dout, g);
#pragma once

#include "lockstep/tensor/image_shape.hpp"
#include "lockstep/tensor/tensor.hpp"

namespace lockstep::ops {

struct Pool2dGeometry {
  ImageShape input;               // C, H, W of every row of x
  Size2d kernel{1};               // KH, KW
  Size2d stride{0};               // SH, SW; 0 (the default) means the kernel size, as in PyTorch
  Size2d padding{0};              // PH, PW, at most half the kernel
  bool count_include_pad = true;  // average pooling only

  /// The stride in effect (the kernel size where stride is 0).
  Size2d effective_stride() const;
  /// Throws naming the bad value unless sizes are positive, padding is at most half the kernel
  /// and the kernel fits in the padded input.
  void validate() const;
  /// C, OH, OW (validates first).
  ImageShape output() const;
};

/// [B, C*OH*OW]; throws naming the shapes when x has not C*H*W columns.
Shape pool2d_shape(Shape x, const Pool2dGeometry& g);

void max_pool2d_forward(Tensor& out, Tensor& argmax, const Tensor& x, const Pool2dGeometry& g);
/// dx[argmax] += dout, every other element of dx 0.
void max_pool2d_backward(Tensor& dx, const Tensor& dout, const Tensor& argmax,
                         const Pool2dGeometry& g);

void avg_pool2d_forward(Tensor& out, const Tensor& x, const Pool2dGeometry& g);
void avg_pool2d_backward(Tensor& dx, const Tensor& dout, const Pool2dGeometry& g);

}  // namespace lockstep::ops
