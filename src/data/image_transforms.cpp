// Per-sample image transforms (data/image_transforms.hpp).
#include "lockstep/data/image_transforms.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <memory>

#include "lockstep/core/error.hpp"
#include "lockstep/data/idx.hpp"

namespace lockstep {

void check_image_shape(const ImageShape& g, const std::string& what) {
  LOCKSTEP_CHECK(g.channels >= 1 && g.height >= 1 && g.width >= 1, what, ": image shape ", g,
                 " needs channels, height and width >= 1");
  constexpr Index kMax = std::numeric_limits<Index>::max();
  LOCKSTEP_CHECK(g.height <= kMax / g.width && g.channels <= kMax / (g.height * g.width), what,
                 ": image shape ", g, " is too large");
}

ImageShape image_shape(const IdxArray& images) {
  const std::vector<Index>& d = images.dims();
  LOCKSTEP_CHECK(d.size() == 3 || d.size() == 4, images.path(),
                 ": an images file has 3 ([n, H, W])"
                 " or 4 ([n, C, H, W]) dimensions, this one ",
                 d.size());
  const ImageShape g = d.size() == 3 ? ImageShape{1, d[1], d[2]} : ImageShape{d[1], d[2], d[3]};
  check_image_shape(g, images.path());
  return g;
}

namespace {

void check_sample(std::span<const float> image, const ImageShape& g, const char* what) {
  LOCKSTEP_CHECK(static_cast<Index>(image.size()) == g.numel(), what, ": a sample of ",
                 image.size(), " values, but the image shape ", g, " holds ", g.numel());
}

}  // namespace

void horizontal_flip(std::span<float> image, const ImageShape& g) {
  check_sample(image, g, "horizontal_flip");
  for (Index r = 0; r < g.channels * g.height; ++r) {
    float* row = image.data() + r * g.width;
    std::reverse(row, row + g.width);
  }
}

void padded_crop(std::span<float> image, const ImageShape& g, Index padding, Index top, Index left,
                 float fill) {
  check_sample(image, g, "padded_crop");
  LOCKSTEP_CHECK(padding >= 0, "padded_crop: padding must be >= 0, got ", padding);
  LOCKSTEP_CHECK(top >= 0 && top <= 2 * padding && left >= 0 && left <= 2 * padding,
                 "padded_crop: the window's corner (", top, ", ", left,
                 ") must be in [0, 2 * padding] = [0, ", 2 * padding, "]");
  // Output (r, c) is input (r + dy, c + dx), or fill outside the image. In place: when the
  // source lies after the destination in memory, go forwards, else backwards, so that every
  // value is read before it is overwritten (within one channel's plane).
  const Index dy = top - padding, dx = left - padding;
  if (dy == 0 && dx == 0) return;
  const Index H = g.height, W = g.width;
  const bool forward = dy * W + dx > 0;
  for (Index ch = 0; ch < g.channels; ++ch) {
    float* plane = image.data() + ch * H * W;
    for (Index k = 0; k < H * W; ++k) {
      const Index at = forward ? k : H * W - 1 - k;
      const Index r = at / W + dy, c = at % W + dx;
      plane[at] = (r >= 0 && r < H && c >= 0 && c < W) ? plane[r * W + c] : fill;
    }
  }
}

SampleTransform random_horizontal_flip(const ImageShape& g, double p) {
  check_image_shape(g, "random_horizontal_flip");
  LOCKSTEP_CHECK(std::isfinite(p) && p >= 0 && p <= 1,
                 "random_horizontal_flip: p must be in [0, 1], got ", p);
  return [g, p](std::span<float> x, std::span<float>, Generator& rng) {
    if (rng.uniform() < p) horizontal_flip(x, g);
  };
}

SampleTransform random_crop(const ImageShape& g, Index padding, float fill) {
  check_image_shape(g, "random_crop");
  LOCKSTEP_CHECK(padding >= 0 && padding <= std::max(g.height, g.width), "random_crop: padding ",
                 padding, " must be in [0, ", std::max(g.height, g.width), "] for images of ", g);
  return [g, padding, fill](std::span<float> x, std::span<float>, Generator& rng) {
    const auto choices = static_cast<std::uint64_t>(2 * padding + 1);
    const auto top = static_cast<Index>(rng.below(choices));
    const auto left = static_cast<Index>(rng.below(choices));
    padded_crop(x, g, padding, top, left, fill);
  };
}

SampleTransform compose(std::vector<SampleTransform> transforms) {
  std::erase_if(transforms, [](const SampleTransform& t) { return !t; });
  if (transforms.empty()) return {};
  if (transforms.size() == 1) return std::move(transforms[0]);
  auto list = std::make_shared<const std::vector<SampleTransform>>(std::move(transforms));
  return [list](std::span<float> x, std::span<float> y, Generator& rng) {
    for (const SampleTransform& t : *list) t(x, y, rng);
  };
}

namespace {

bool parse_number(std::string_view text, double& out) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return !text.empty() && ec == std::errc() && ptr == end;
}

bool parse_count(std::string_view text, Index& out) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return !text.empty() && ec == std::errc() && ptr == end;
}

}  // namespace

SampleTransform parse_augmentation(const std::string& spec, const ImageShape& g,
                                   const std::string& what) {
  if (spec.empty() || spec == "none") return {};
  const std::string help = " (known: flip, flip:P with P in [0, 1], cropN or crop:N with N >= 0)";
  std::vector<SampleTransform> list;
  std::size_t begin = 0;
  while (begin <= spec.size()) {
    const std::size_t comma = std::min(spec.find(',', begin), spec.size());
    const std::string item = spec.substr(begin, comma - begin);
    begin = comma + 1;
    LOCKSTEP_CHECK(!item.empty(), what, " '", spec, "': an empty item", help);
    if (item == "flip" || item.starts_with("flip:")) {
      double p = 0.5;
      LOCKSTEP_CHECK(item == "flip" || (parse_number(std::string_view(item).substr(5), p) &&
                                        std::isfinite(p) && p >= 0 && p <= 1),
                     what, " '", spec, "': '", item, "' needs a probability in [0, 1]", help);
      list.push_back(random_horizontal_flip(g, p));
    } else if (item.starts_with("crop")) {
      std::string_view n = std::string_view(item).substr(4);
      if (n.starts_with(':')) n.remove_prefix(1);
      Index padding = 0;
      LOCKSTEP_CHECK(parse_count(n, padding) && padding >= 0, what, " '", spec, "': '", item,
                     "' needs a padding N >= 0", help);
      try {
        list.push_back(random_crop(g, padding));
      } catch (const Error& e) {
        LOCKSTEP_CHECK(false, what, " '", spec, "': ", e.what());
      }
    } else {
      LOCKSTEP_CHECK(false, what, " '", spec, "': unknown augmentation '", item, "'", help);
    }
  }
  return compose(std::move(list));
}

}  // namespace lockstep
