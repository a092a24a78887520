// lockstep/tensor/ops/conv2d.hpp — 2-D convolution (torch.nn.functional.conv2d) as a
// forward/backward kernel pair over rows of C*H*W floats.
//
// x is [B, C*H*W] (each row one image, see lockstep/tensor/image_shape.hpp), the weight is
// [OC, C/G*KH*KW] (PyTorch's [OC, C/G, KH, KW] weight, same bytes; G = groups, 1 by default:
// output channels o*OC/G.. of group o see input channels o*C/G.. only), bias [1, OC], and the
// output [B, OC*OH*OW] with OH = (H + 2 PH - DH (KH - 1) - 1) / SH + 1 (rounded down), OW alike.
// Zero padding, as PyTorch's default padding_mode. Each sample is unfolded (im2col) into a
// [C*KH*KW, OH*OW] workspace and multiplied by the weight with the project's GEMM; the weight
// and bias gradients are summed over the samples in row order, so the result depends only on
// the rows given (one replica's micro-shard), never on threads. The kernels allocate nothing:
// the caller passes a workspace of conv2d_workspace_shape(g) (forward) or
// conv2d_backward_workspace_shape(g) (backward). A backward kernel skips every gradient whose
// output tensor is undefined.
//
//   ops::Conv2dGeometry g{.input = {1, 28, 28}, .out_channels = 32, .kernel = 3, .padding = 1};
//   Tensor out = Tensor::empty(ops::conv2d_shape(x.shape(), w.shape(), &b, g));
//   Tensor ws = Tensor::empty(ops::conv2d_workspace_shape(g));
//   ops::conv2d_forward(out, x, w, &b, g, ws);
//   Tensor ws2 = Tensor::empty(ops::conv2d_backward_workspace_shape(g));
//   ops::conv2d_backward(dx, dw, db, dout, x, w, g, ws2);
#pragma once

#include "lockstep/tensor/image_shape.hpp"
#include "lockstep/tensor/tensor.hpp"

namespace lockstep::ops {

struct Conv2dGeometry {
  ImageShape input;        // C, H, W of every row of x
  Index out_channels = 0;  // OC
  Size2d kernel{1};        // KH, KW
  Size2d stride{1};        // SH, SW
  Size2d padding{0};       // PH, PW: zeros added on each side
  Size2d dilation{1};      // DH, DW: spacing between kernel taps
  Index groups = 1;        // G: divides C and OC

  /// Throws naming the bad value unless every size is positive (padding non-negative), groups
  /// divides both channel counts and the dilated kernel fits in the padded input.
  void validate() const;
  /// OC, OH, OW (validates first).
  ImageShape output() const;
  /// C*KH*KW: one im2col row per (channel, kernel tap).
  Index patch_size() const { return input.channels * kernel.h * kernel.w; }
  /// C/G*KH*KW: the weight's columns (a group's rows of the patch matrix), PyTorch's fan_in.
  Index weight_cols() const { return patch_size() / groups; }
};

/// The shape of conv2d(x, w, bias): [B, OC*OH*OW]; throws naming the shapes when x has not
/// C*H*W columns, w is not [OC, C/G*KH*KW] or bias is not [1, OC].
Shape conv2d_shape(Shape x, Shape w, const Tensor* bias, const Conv2dGeometry& g);
/// The forward workspace: [C*KH*KW, OH*OW] (one sample's unfolded patches).
Shape conv2d_workspace_shape(const Conv2dGeometry& g);
/// The backward workspace: [2 C*KH*KW, OH*OW] (a sample's patches and their gradient).
Shape conv2d_backward_workspace_shape(const Conv2dGeometry& g);

void conv2d_forward(Tensor& out, const Tensor& x, const Tensor& w, const Tensor* bias,
                    const Conv2dGeometry& g, Tensor& workspace);
/// dx = conv_transpose(dout, w), dw = sum over samples of dout_n @ patches_n^T, dbias = the sum
/// of dout over samples and positions.
void conv2d_backward(Tensor& dx, Tensor& dw, Tensor& dbias, const Tensor& dout, const Tensor& x,
                     const Tensor& w, const Conv2dGeometry& g, Tensor& workspace);

}  // namespace lockstep::ops
