// lockstep/data/image_transforms.hpp — image augmentation as per-sample transforms for the
// DataLoader: random horizontal flips and random crops with padding (torchvision's
// RandomHorizontalFlip and RandomCrop(size, padding)), on samples that are rows of C*H*W floats
// (one image per row, channels first, each channel's rows in C order: NCHW per sample).
//
// Why a transform and not a Dataset wrapper: DataLoaderOptions::transform is already the
// loader's per-sample hook, and it hands each sample its own stream,
// Generator::derive(loader seed, {epoch, sample index}). A transform is therefore a pure
// function of (seed, epoch, sample index): the batches are bitwise the same for any number of
// loader workers and any prefetch, and differ from epoch to epoch. A Dataset wrapper's get(i)
// knows neither the epoch nor the loader's seed, and would have to keep them as shared
// mutable state. The transforms work in place on the batch row, allocate nothing per sample,
// and never change a row's length, so a crop always has the image's own size (what
// RandomCrop(28, padding=4) does for 28x28 images).
//
// The random draws, fixed so results never change: random_horizontal_flip draws one
// rng.uniform() per sample and flips when it is < p; random_crop draws top = rng.below(2*pad+1),
// then left = rng.below(2*pad+1), the window's corner in the padded image. A composed list
// draws in its order, from the one stream of the sample. Padding is `fill` (default 0):
// standardized data has its own zero; pass the standardized value of a black pixel for black.
//
//   lockstep::ImageShape g{.channels = 1, .height = 28, .width = 28};
//   lockstep::DataLoader loader(train, {.batch_size = 128, .shuffle = true, .seed = 1,
//                                       .num_workers = 2,
//                                       .transform = lockstep::compose({
//                                           lockstep::random_horizontal_flip(g, 0.5),
//                                           lockstep::random_crop(g, /*padding=*/4)})});
//   // or: .transform = lockstep::parse_augmentation("flip,crop4", g)
#pragma once

#include <span>
#include <string>
#include <vector>

#include "lockstep/data/dataloader.hpp"
#include "lockstep/tensor/image_shape.hpp"
#include "lockstep/tensor/tensor.hpp"

namespace lockstep {

class IdxArray;

/// Throws naming `what` unless every dimension is >= 1 and the product fits in an Index.
void check_image_shape(const ImageShape& shape, const std::string& what);

/// The image shape of an IDX images file: [n, H, W] is 1 x H x W, [n, C, H, W] is C x H x W;
/// other shapes are an error naming the file.
ImageShape image_shape(const IdxArray& images);

/// Mirrors every row of every channel of `image` (C*H*W values) left to right, in place.
void horizontal_flip(std::span<float> image, const ImageShape& g);
/// Replaces `image` by the H x W window whose top-left corner is (top, left) in the image
/// padded with `padding` values of `fill` on every side (top, left in [0, 2*padding]): the
/// window at (padding, padding) is the image itself. In place, allocating nothing.
void padded_crop(std::span<float> image, const ImageShape& g, Index padding, Index top, Index left,
                 float fill = 0.0f);

/// Flips a sample's image horizontally with probability p (in [0, 1]).
SampleTransform random_horizontal_flip(const ImageShape& g, double p = 0.5);
/// A random H x W window of the image padded by `padding` (>= 0) on every side.
SampleTransform random_crop(const ImageShape& g, Index padding, float fill = 0.0f);
/// The transforms one after the other, drawing from the sample's stream in this order.
SampleTransform compose(std::vector<SampleTransform> transforms);

/// A comma-separated list, applied in its order: "flip" (p = 0.5) or "flip:P", and "cropN"
/// (padding N, e.g. crop4) or "crop:N"; "none" or "" is no transform (an empty function).
/// Errors name `what` (the flag) and the bad item.
SampleTransform parse_augmentation(const std::string& spec, const ImageShape& g,
                                   const std::string& what = "--augment");

}  // namespace lockstep
