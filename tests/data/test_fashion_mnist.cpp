// The real Fashion-MNIST files of Debian's dataset-fashion-mnist package, read gzip-compressed
// as installed. The golden values come from tests/data/fashion_mnist_golden.py (gzip + struct,
// no lockstep code); rerun it to check them. CI installs the package (scripts/install-deps.sh),
// so these tests run there; elsewhere they skip, saying why.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "lockstep/data/idx.hpp"

namespace lockstep {
namespace {

const std::filesystem::path kDir = "/usr/share/datasets/fashion-mnist";

struct Split {
  const char* name;
  Index samples;
  std::int64_t first_image_sum;  // of its 784 bytes
  std::int64_t all_bytes_sum;    // of every pixel of the split
  std::vector<float> first_labels;
};

// Test names show the split, not the struct's bytes.
void PrintTo(const Split& s, std::ostream* os) { *os << s.name; }

const Split kTrain{"train", 60000, 76247, 3431114169, {9, 0, 0, 3, 0, 2, 7, 2, 5, 5}};
const Split kTest{"t10k", 10000, 33456, 573469082, {9, 2, 1, 1, 6, 1, 4, 6, 5, 7}};

class FashionMnist : public ::testing::TestWithParam<Split> {
 protected:
  void SetUp() override {
    if (!std::filesystem::is_directory(kDir))
      GTEST_SKIP() << kDir << " is absent: install Debian's dataset-fashion-mnist package "
                   << "(scripts/install-deps.sh does) to run this test";
  }
  std::filesystem::path file(const char* kind) const {
    return kDir / (std::string(GetParam().name) + "-" + kind + "-ubyte.gz");
  }
};

TEST_P(FashionMnist, MatchesTheGoldenValues) {
  const Split& s = GetParam();
  IdxArray images(file("images-idx3")), labels(file("labels-idx1"));
  EXPECT_TRUE(images.compressed());
  EXPECT_EQ(images.type(), IdxType::kUInt8);
  EXPECT_EQ(images.dims(), (std::vector<Index>{s.samples, 28, 28}));
  EXPECT_EQ(labels.dims(), (std::vector<Index>{s.samples}));

  // Scaled: [samples, 784] in [0, 1], each value a byte / 255.
  const Tensor x = images.to_tensor(/*scale=*/true);
  ASSERT_EQ(x.shape(), (Shape{s.samples, 784}));
  std::int64_t first = 0, all = 0;
  float lo = 1, hi = 0;
  for (Index i = 0; i < x.rows(); ++i) {
    for (Index j = 0; j < x.cols(); ++j) {
      const float v = x(i, j);
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      const auto byte = static_cast<std::int64_t>(std::lround(v * 255.0f));
      ASSERT_EQ(v, static_cast<float>(byte) / 255.0f) << "row " << i << " column " << j;
      all += byte;
      if (i == 0) first += byte;
    }
  }
  EXPECT_EQ(first, s.first_image_sum);
  EXPECT_EQ(all, s.all_bytes_sum);
  EXPECT_EQ(lo, 0.0f);
  EXPECT_EQ(hi, 1.0f);

  // Unscaled: the bytes themselves.
  std::vector<float> row(784);
  images.read_rows(0, 1, row);
  double raw = 0;
  for (float v : row) raw += v;
  EXPECT_EQ(raw, double(s.first_image_sum));

  // Labels: 0..9, each class equally often, the first ten as the golden file says.
  const Tensor y = labels.to_tensor();
  ASSERT_EQ(y.shape(), (Shape{s.samples, 1}));
  std::vector<Index> counts(10, 0);
  for (Index i = 0; i < y.rows(); ++i) {
    const float v = y(i, 0);
    ASSERT_TRUE(v >= 0 && v <= 9 && v == std::floor(v)) << "label " << v << " at " << i;
    ++counts[static_cast<std::size_t>(v)];
  }
  EXPECT_EQ(counts, std::vector<Index>(10, s.samples / 10));
  std::vector<float> first_labels(y.data(), y.data() + 10);
  EXPECT_EQ(first_labels, s.first_labels);

  // The dataset form agrees with the arrays.
  IdxDataset ds(file("images-idx3"), file("labels-idx1"), {.scale = true});
  EXPECT_EQ(ds.size(), s.samples);
  EXPECT_EQ(ds.feature_dim(), 784);
  const Example e = ds.get(s.samples - 1);
  for (Index j = 0; j < 784; ++j) EXPECT_EQ(e.x.at(0, j), x(s.samples - 1, j));
  EXPECT_EQ(e.y.item(), y(s.samples - 1, 0));
}

INSTANTIATE_TEST_SUITE_P(Splits, FashionMnist, ::testing::Values(kTrain, kTest),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace lockstep
