// Image augmentation (data/image_transforms.hpp): flips and padded crops checked against
// values written out by hand from the definitions, the documented random draws, identities,
// and determinism through the DataLoader for any number of workers.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <set>
#include <utility>

#include "data/reader_test_util.hpp"
#include "lockstep/core/error.hpp"
#include "lockstep/data/dataloader.hpp"
#include "lockstep/data/image_transforms.hpp"
#include "lockstep/data/tensor_dataset.hpp"

namespace lockstep {
namespace {

using testing::error_of;

std::vector<float> flipped(std::vector<float> v, const ImageShape& g) {
  horizontal_flip(v, g);
  return v;
}
std::vector<float> cropped(std::vector<float> v, const ImageShape& g, Index padding, Index top,
                           Index left, float fill = 0) {
  padded_crop(v, g, padding, top, left, fill);
  return v;
}

// A 3 x 3 image:  1 2 3 / 4 5 6 / 7 8 9.
const ImageShape k3x3{1, 3, 3};
const std::vector<float> kImage{1, 2, 3, 4, 5, 6, 7, 8, 9};

TEST(ImageTransforms, HorizontalFlipMirrorsEachRowOfEachChannel) {
  EXPECT_EQ(flipped(kImage, k3x3), (std::vector<float>{3, 2, 1, 6, 5, 4, 9, 8, 7}));
  // Two channels of 2 x 3: each channel's rows mirrored, channels kept in place.
  const ImageShape g{2, 2, 3};
  EXPECT_EQ(flipped({1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60}, g),
            (std::vector<float>{3, 2, 1, 6, 5, 4, 30, 20, 10, 60, 50, 40}));
  // One column: nothing to mirror.
  EXPECT_EQ(flipped({1, 2, 3}, {1, 3, 1}), (std::vector<float>{1, 2, 3}));
  // Twice is the identity.
  EXPECT_EQ(flipped(flipped(kImage, k3x3), k3x3), kImage);
}

TEST(ImageTransforms, PaddedCropIsAWindowOfThePaddedImage) {
  // Padded by 1 (a ring of zeros), the 5 x 5 image is
  //   0 0 0 0 0 / 0 1 2 3 0 / 0 4 5 6 0 / 0 7 8 9 0 / 0 0 0 0 0,
  // and the 3 x 3 window at (top, left) of it is the result.
  EXPECT_EQ(cropped(kImage, k3x3, 1, 1, 1), kImage);  // the centre: the image itself
  EXPECT_EQ(cropped(kImage, k3x3, 1, 0, 0), (std::vector<float>{0, 0, 0, 0, 1, 2, 0, 4, 5}));
  EXPECT_EQ(cropped(kImage, k3x3, 1, 2, 2), (std::vector<float>{5, 6, 0, 8, 9, 0, 0, 0, 0}));
  EXPECT_EQ(cropped(kImage, k3x3, 1, 2, 1), (std::vector<float>{4, 5, 6, 7, 8, 9, 0, 0, 0}));
  EXPECT_EQ(cropped(kImage, k3x3, 1, 0, 2), (std::vector<float>{0, 0, 0, 2, 3, 0, 5, 6, 0}));
  EXPECT_EQ(cropped(kImage, k3x3, 1, 1, 0), (std::vector<float>{0, 1, 2, 0, 4, 5, 0, 7, 8}));
  // Padding 2, corner (0, 4): two rows of padding above, the image's last column at the left.
  EXPECT_EQ(cropped(kImage, k3x3, 2, 0, 4, -1),
            (std::vector<float>{-1, -1, -1, -1, -1, -1, 3, -1, -1}));
  // Padding wider than the image: all fill.
  EXPECT_EQ(cropped(kImage, k3x3, 4, 0, 0), std::vector<float>(9, 0));
  // Channels are cropped alike, each on its own plane.
  EXPECT_EQ(cropped({1, 2, 3, 4, 10, 20, 30, 40}, {2, 2, 2}, 1, 0, 1),
            (std::vector<float>{0, 0, 1, 2, 0, 0, 10, 20}));
  // A wide image: shifted left by one (the source lies after the destination).
  EXPECT_EQ(cropped({1, 2, 3, 4, 5, 6, 7, 8}, {1, 2, 4}, 1, 1, 2),
            (std::vector<float>{2, 3, 4, 0, 6, 7, 8, 0}));
}

TEST(ImageTransforms, BadArgumentsAreErrors) {
  std::vector<float> four(4);
  EXPECT_CONTAINS(error_of([&] { horizontal_flip(four, k3x3); }),
                  "a sample of 4 values, but the image shape [1, 3, 3] holds 9");
  std::vector<float> nine(9);
  EXPECT_CONTAINS(error_of([&] { padded_crop(nine, k3x3, 1, 3, 0); }), "must be in [0, 2 * pad");
  EXPECT_CONTAINS(error_of([&] { random_horizontal_flip(k3x3, 1.5); }),
                  "p must be in [0, 1], got 1.5");
  EXPECT_CONTAINS(error_of([&] { random_crop(k3x3, -1); }), "padding -1 must be in [0, 3]");
  EXPECT_CONTAINS(error_of([&] { random_crop({1, 0, 3}, 1); }), "[1, 0, 3] needs channels");
}

TEST(ImageTransforms, TheRandomDrawsAreTheDocumentedOnes) {
  const ImageShape g{1, 4, 5};
  std::vector<float> image(20);
  for (std::size_t i = 0; i < image.size(); ++i) image[i] = float(i + 1);
  const SampleTransform flip = random_horizontal_flip(g, 0.3);
  const SampleTransform crop = random_crop(g, 2);
  const SampleTransform both = compose({flip, crop});
  int flips = 0;
  std::set<std::pair<Index, Index>> corners;
  for (std::uint64_t i = 0; i < 400; ++i) {
    Generator rng = Generator::derive(7, {0, i}), check = rng;
    // flip: one uniform() < p; crop: top = below(5), then left = below(5); in compose's order.
    const bool flips_this = check.uniform() < 0.3;
    const auto top = Index(check.below(5)), left = Index(check.below(5));
    std::vector<float> expect = image;
    if (flips_this) horizontal_flip(expect, g);
    padded_crop(expect, g, 2, top, left);
    std::vector<float> x = image, y{0};
    both(x, y, rng);
    ASSERT_EQ(x, expect) << "sample " << i;
    EXPECT_EQ(rng.state(), check.state()) << "draws nothing else";
    flips += flips_this;
    corners.insert({top, left});
  }
  EXPECT_GT(flips, 80);  // ~120 of 400
  EXPECT_LT(flips, 160);
  EXPECT_EQ(corners.size(), 25u) << "every corner of [0, 4] x [0, 4] occurs";
}

TEST(ImageTransforms, ZeroProbabilityAndZeroPaddingAreIdentities) {
  const ImageShape g{3, 4, 4};
  std::vector<float> image(48);
  for (std::size_t i = 0; i < image.size(); ++i) image[i] = float(i) * 0.25f - 3;
  const SampleTransform none = compose({random_horizontal_flip(g, 0.0), random_crop(g, 0)});
  const SampleTransform always = random_horizontal_flip(g, 1.0);
  for (std::uint64_t i = 0; i < 50; ++i) {
    Generator rng = Generator::derive(3, {1, i});
    std::vector<float> x = image, y{0};
    none(x, y, rng);
    EXPECT_EQ(x, image);
    always(x, y, rng);
    EXPECT_EQ(x, flipped(image, g));
  }
}

TEST(ImageTransforms, ParseAugmentation) {
  const ImageShape g{1, 4, 5};
  EXPECT_FALSE(parse_augmentation("", g));
  EXPECT_FALSE(parse_augmentation("none", g));
  // "flip,crop2" is exactly compose({flip 0.5, crop 2}); "crop:2" and "flip:0.5" spell the same.
  const SampleTransform a = parse_augmentation("flip,crop2", g);
  const SampleTransform b = parse_augmentation("flip:0.5,crop:2", g);
  const SampleTransform c = compose({random_horizontal_flip(g, 0.5), random_crop(g, 2)});
  std::vector<float> image(20);
  for (std::size_t i = 0; i < image.size(); ++i) image[i] = float(i + 1);
  bool changed = false;
  for (std::uint64_t i = 0; i < 20; ++i) {
    std::vector<float> xa = image, xb = image, xc = image, y{0};
    Generator ra = Generator::derive(1, {0, i}), rb = ra, rc = ra;
    a(xa, y, ra);
    b(xb, y, rb);
    c(xc, y, rc);
    EXPECT_EQ(xa, xc);
    EXPECT_EQ(xb, xc);
    changed = changed || xa != image;
  }
  EXPECT_TRUE(changed);
  EXPECT_CONTAINS(error_of([&] { parse_augmentation("flip,rotate", g); }),
                  "--augment 'flip,rotate': unknown augmentation 'rotate'");
  EXPECT_CONTAINS(error_of([&] { parse_augmentation("flip:2", g, "augment"); }),
                  "augment 'flip:2': 'flip:2' needs a probability in [0, 1]");
  EXPECT_CONTAINS(error_of([&] { parse_augmentation("cropx", g); }), "'cropx' needs a padding");
  EXPECT_CONTAINS(error_of([&] { parse_augmentation("crop-1", g); }), "'crop-1' needs a padding");
  EXPECT_CONTAINS(error_of([&] { parse_augmentation("flip,", g); }), "an empty item");
  EXPECT_CONTAINS(error_of([&] { parse_augmentation("crop99", g); }),
                  "--augment 'crop99': random_crop: padding 99 must be in [0, 5]");
}

// --- through the DataLoader -------------------------------------------------------------------

struct Epochs {
  std::vector<std::vector<float>> x;
  std::vector<std::vector<Index>> indices;
};

Epochs run_loader(int workers, int epochs) {
  const ImageShape g{2, 6, 5};
  Tensor x(Shape{40, g.numel()}), y(Shape{40, 1});
  for (Index i = 0; i < x.rows(); ++i) {
    y(i, 0) = float(i % 3);
    for (Index j = 0; j < x.cols(); ++j) x(i, j) = float(i * 100 + j);
  }
  DataLoader loader(std::make_shared<TensorDataset>(x, y),
                    {.batch_size = 8,
                     .shuffle = true,
                     .seed = 11,
                     .num_workers = workers,
                     .prefetch_factor = 3,
                     .transform = parse_augmentation("flip,crop2", g)});
  Epochs out;
  for (int e = 0; e < epochs; ++e)
    for (const Batch& b : loader) {
      out.x.push_back(b.x.to_vector());
      out.indices.push_back(b.indices);
    }
  return out;
}

TEST(ImageTransforms, LoaderBatchesAreTheSameForAnyNumberOfWorkers) {
  const Epochs serial = run_loader(0, 3);
  ASSERT_EQ(serial.x.size(), 15u);
  for (const int workers : {1, 3}) {
    const Epochs parallel = run_loader(workers, 3);
    ASSERT_EQ(parallel.x.size(), serial.x.size());
    for (std::size_t b = 0; b < serial.x.size(); ++b) {
      EXPECT_EQ(parallel.indices[b], serial.indices[b]) << workers << " workers, batch " << b;
      // Bitwise: the floats' bytes, not their values.
      ASSERT_EQ(parallel.x[b].size(), serial.x[b].size());
      EXPECT_EQ(
          std::memcmp(parallel.x[b].data(), serial.x[b].data(), serial.x[b].size() * sizeof(float)),
          0)
          << workers << " workers, batch " << b;
    }
  }
}

TEST(ImageTransforms, EachEpochDrawsAgain) {
  const Epochs e = run_loader(0, 2);
  // The same sample in epoch 0 and epoch 1 (found by index) is augmented differently for
  // most samples; and some sample is changed at all.
  std::map<Index, std::vector<float>> first, second;
  for (std::size_t b = 0; b < e.x.size(); ++b) {
    auto& epoch = b < 5 ? first : second;
    const std::size_t width = e.x[b].size() / e.indices[b].size();
    for (std::size_t r = 0; r < e.indices[b].size(); ++r)
      epoch[e.indices[b][r]] =
          std::vector<float>(e.x[b].begin() + r * width, e.x[b].begin() + (r + 1) * width);
  }
  ASSERT_EQ(first.size(), 40u);
  ASSERT_EQ(second.size(), 40u);
  int differ = 0;
  for (const auto& [i, row] : first) differ += row != second[i];
  EXPECT_GT(differ, 30) << "of 40 samples, augmented alike in two epochs";
}

}  // namespace
}  // namespace lockstep
