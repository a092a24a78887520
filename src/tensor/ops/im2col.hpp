// Internal: unfolding one image into its convolution patches (im2col) and folding patch
// gradients back into the image (col2im), the data movement of the convolution kernels.
//
// The patch matrix of one C x H x W image is [C*KH*KW, OH*OW], row-major: row (c*KH + i)*KW + j
// holds, for every output position (oh, ow), the input value under kernel tap (i, j) of channel
// c, x[c, oh*SH - PH + i*DH, ow*SW - PW + j*DW], or 0 where that falls in the padding.
//
//   detail::im2col(x_row, g, patches);   // patches: (C*KH*KW) * (OH*OW) floats
//   detail::col2im(dpatches, g, dx_row); // dx_row += the folded patch gradients
#pragma once

#include "lockstep/tensor/ops/conv2d.hpp"

namespace lockstep::ops::detail {

void im2col(const float* image, const Conv2dGeometry& g, float* patches);
/// Adds each patch gradient to the input element it came from (dx must be initialized).
void col2im(const float* patches, const Conv2dGeometry& g, float* image);
/// True when the patch matrix is the image itself (1 x 1 kernel, stride 1, no padding).
bool im2col_is_identity(const Conv2dGeometry& g);

/// Sum of n floats in an order fixed by n alone (eight interleaved partial sums, combined
/// pairwise), whatever the pointer's alignment, so it is reproducible across buffers.
float fixed_order_sum(const float* v, Index n);

}  // namespace lockstep::ops::detail
