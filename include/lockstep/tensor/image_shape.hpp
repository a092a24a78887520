// lockstep/tensor/image_shape.hpp — the geometry of images that travel as rows of C*H*W floats.
//
// lockstep's tensors are 2-D [batch, features]: the loader, the micro-shards of DataParallel and
// every kernel work on rows. An image is one row holding its channels one after another, each a
// row-major H x W plane (PyTorch's NCHW layout of one sample, C order), so a [B, C*H*W] tensor
// is bit for bit a contiguous PyTorch [B, C, H, W] tensor. The spatial modules (Conv2d, pools)
// know the ImageShape of the rows they take; Size2d is a (height, width) pair such as a kernel
// size, a stride or a padding, written as one number when both are equal (PyTorch's int or
// tuple arguments).
//
//   lockstep::ImageShape mnist{1, 28, 28};      // mnist.numel() == 784 features per row
//   lockstep::Size2d k = 3;                      // 3 x 3
//   lockstep::Size2d s{2, 1};                    // stride 2 down, 1 across
//   std::cout << mnist;                          // [1, 28, 28]
#pragma once

#include <iosfwd>

#include "lockstep/tensor/tensor.hpp"

namespace lockstep {

struct ImageShape {
  Index channels = 0;
  Index height = 0;
  Index width = 0;
  constexpr Index plane() const { return height * width; }
  constexpr Index numel() const { return channels * height * width; }
  friend constexpr bool operator==(const ImageShape&, const ImageShape&) = default;
};
std::ostream& operator<<(std::ostream& out, const ImageShape& s);  // "[C, H, W]"

struct Size2d {
  Index h = 0;
  Index w = 0;
  constexpr Size2d() = default;
  constexpr Size2d(Index both) : h(both), w(both) {}  // NOLINT(google-explicit-constructor)
  constexpr Size2d(Index height, Index width) : h(height), w(width) {}
  friend constexpr bool operator==(const Size2d&, const Size2d&) = default;
};
std::ostream& operator<<(std::ostream& out, const Size2d& s);  // "(h, w)"

}  // namespace lockstep
