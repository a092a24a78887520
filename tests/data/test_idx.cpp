#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <vector>

#include "data/reader_test_util.hpp"
#include "lockstep/data/idx.hpp"

namespace lockstep {
namespace {

using testing::error_of;
using testing::TempDir;

/// The big-endian bytes of `values`.
template <class T>
std::string be_bytes(const std::vector<T>& values) {
  std::string out;
  for (const T& v : values) {
    unsigned char raw[sizeof(T)];
    std::memcpy(raw, &v, sizeof(T));
    if constexpr (std::endian::native == std::endian::little) std::reverse(raw, raw + sizeof(T));
    out.append(reinterpret_cast<const char*>(raw), sizeof(T));
  }
  return out;
}

/// An IDX file: 0, 0, type code, number of dimensions, the dimensions, then `data`.
std::string idx(int type, const std::vector<std::uint32_t>& dims, const std::string& data) {
  std::string out(2, '\0');
  out += static_cast<char>(type);
  out += static_cast<char>(dims.size());
  return out + be_bytes(dims) + data;
}

std::string pixels(std::size_t n) {
  std::string out(n, '\0');
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<char>(i % 256);
  return out;
}

// --- good files ---------------------------------------------------------------------------

TEST(Idx, ImagesAndLabelsLikeMnist) {
  TempDir dir;
  const std::uint32_t n = 5, rows = 4, cols = 3;
  dir.write("images-idx3-ubyte", idx(0x08, {n, rows, cols}, pixels(n * rows * cols)));
  dir.write("labels-idx1-ubyte", idx(0x08, {n}, std::string("\x07\x02\x01\x00\x04", 5)));
  IdxDataset ds(dir / "images-idx3-ubyte", dir / "labels-idx1-ubyte");
  EXPECT_EQ(ds.size(), 5);
  EXPECT_EQ(ds.feature_dim(), 12);
  EXPECT_EQ(ds.target_dim(), 1);
  EXPECT_EQ(ds.images().dims(), (std::vector<Index>{5, 4, 3}));
  EXPECT_EQ(ds.images().type(), IdxType::kUInt8);
  Example e = ds.get(2);
  EXPECT_EQ(e.x.at(0, 0), 24.0f);
  EXPECT_EQ(e.x.at(0, 11), 35.0f);
  EXPECT_EQ(e.y.item(), 1.0f);
  EXPECT_THROW(ds.get(5), Error);
}

TEST(Idx, ScalingMapsBytesToUnitInterval) {
  TempDir dir;
  dir.write("img", idx(0x08, {2, 2}, std::string("\x00\xff\x80\x01", 4)));
  dir.write("lab", idx(0x08, {2}, std::string("\x01\x00", 2)));
  IdxDataset ds(dir / "img", dir / "lab", {.scale = true});
  EXPECT_EQ(ds.get(0).x.to_vector(), (std::vector<float>{0.0f, 1.0f}));
  EXPECT_EQ(ds.get(1).x.to_vector(), (std::vector<float>{128.0f / 255.0f, 1.0f / 255.0f}));
  auto loaded = load_idx_dataset(dir / "img", dir / "lab", {.scale = true});
  EXPECT_EQ(loaded->features().to_vector(),
            (std::vector<float>{0.0f, 1.0f, 128.0f / 255.0f, 1.0f / 255.0f}));
  EXPECT_EQ(loaded->targets().to_vector(), (std::vector<float>{1, 0}));
  EXPECT_EQ(load_idx(dir / "img").to_vector(), (std::vector<float>{0, 255, 128, 1}));
}

TEST(Idx, EveryTypeIsBigEndian) {
  TempDir dir;
  dir.write("sbyte", idx(0x09, {3}, std::string("\xff\x80\x7f", 3)));
  dir.write("short", idx(0x0B, {2}, be_bytes(std::vector<std::int16_t>{-2, 30000})));
  dir.write("int", idx(0x0C, {2}, be_bytes(std::vector<std::int32_t>{-70000, 123456})));
  dir.write("float", idx(0x0D, {1, 2}, be_bytes(std::vector<float>{1.5f, -0.25f})));
  dir.write("double", idx(0x0E, {2}, be_bytes(std::vector<double>{0.1, -3.0})));
  EXPECT_EQ(load_idx(dir / "sbyte").to_vector(), (std::vector<float>{-1, -128, 127}));
  EXPECT_EQ(load_idx(dir / "short").to_vector(), (std::vector<float>{-2, 30000}));
  EXPECT_EQ(load_idx(dir / "int").to_vector(), (std::vector<float>{-70000, 123456}));
  Tensor f = load_idx(dir / "float");
  EXPECT_EQ(f.shape(), (Shape{1, 2}));
  EXPECT_EQ(f.to_vector(), (std::vector<float>{1.5f, -0.25f}));
  EXPECT_EQ(load_idx(dir / "double").to_vector(), (std::vector<float>{0.1f, -3.0f}));
  EXPECT_EQ(IdxArray(dir / "double").type(), IdxType::kFloat64);
}

// --- bad files --------------------------------------------------------------------------------

std::string idx_error(const std::string& name, const std::string& bytes) {
  TempDir dir;
  const auto path = dir.write(name, bytes);
  const std::string msg = error_of([&] { IdxArray a(path); });
  EXPECT_CONTAINS(msg, name);
  return msg;
}

TEST(IdxErrors, BadMagic) {
  EXPECT_CONTAINS(idx_error("gz-idx3-ubyte", std::string("\x1f\x8b\x08\x00rest", 8)),
                  "gzip-compressed");
  EXPECT_CONTAINS(idx_error("nonzero", std::string("\x01\x00\x08\x01\x00\x00\x00\x00", 8)),
                  "bytes 0-1 of the magic number must be zero");
  EXPECT_CONTAINS(idx_error("type", idx(0x07, {1}, "x")), "byte 2: unknown IDX type code 0x7");
  EXPECT_CONTAINS(idx_error("nodims", std::string("\x00\x00\x08\x00", 4)),
                  "byte 3: the number of dimensions is 0");
  EXPECT_CONTAINS(idx_error("tiny", std::string("\x00\x00", 2)), "too short for an IDX header");
}

// A fuzz_idx finding: 3.5e9 items of 0 x 768 values need no data bytes, so a 16-byte file
// declared billions of empty samples, and every loop over them ran for hours.
TEST(IdxErrors, ItemsOfNoValuesAreRefused) {
  EXPECT_CONTAINS(idx_error("empty-items", idx(0x08, {3506438144u, 0, 768}, "")),
                  "give each of its 3506438144 items no values");
  TempDir dir;
  IdxArray none(dir.write("none", idx(0x08, {0, 28, 28}, "")));  // no items: fine
  EXPECT_EQ(none.rows(), 0);
}

TEST(IdxErrors, DimensionsRunPastTheEnd) {
  std::string bytes = idx(0x08, {60000, 28}, "");
  bytes[3] = 3;  // says 3 dimensions, has 2
  EXPECT_CONTAINS(
      idx_error("dims", bytes),
      "byte 3 says 3 dimensions, whose sizes need bytes 4-15, but the file has only 12 bytes");
}

TEST(IdxErrors, SizesAreCheckedAgainstTheFileLength) {
  // A lying header: 60000 x 28 x 28 bytes promised, 10 present; nothing is allocated.
  const std::string msg =
      idx_error("train-images-idx3-ubyte", idx(0x08, {60000, 28, 28}, pixels(10)));
  EXPECT_CONTAINS(msg, "needs 47040000 bytes of data from byte offset 16");
  EXPECT_CONTAINS(msg, "has only 10");
  EXPECT_CONTAINS(idx_error("int", idx(0x0C, {2}, be_bytes(std::vector<std::int32_t>{1, 2, 3}))),
                  "4 more bytes after them");
  std::vector<std::uint32_t> huge(8, 0xFFFFFFFFu);
  EXPECT_CONTAINS(idx_error("huge", idx(0x0E, huge, "")), "too large");
}

TEST(IdxErrors, CountMismatchNamesBothFiles) {
  TempDir dir;
  dir.write("imgs", idx(0x08, {3, 2}, pixels(6)));
  dir.write("labs", idx(0x08, {2}, pixels(2)));
  const std::string msg = error_of([&] { IdxDataset(dir / "imgs", dir / "labs"); });
  EXPECT_CONTAINS(msg, "images '");
  EXPECT_CONTAINS(msg, "imgs' hold 3 items but labels '");
  EXPECT_CONTAINS(msg, "labs' hold 2");
}

TEST(IdxErrors, ScalingNeedsBytes) {
  TempDir dir;
  dir.write("f", idx(0x0D, {1, 1}, be_bytes(std::vector<float>{1})));
  dir.write("l", idx(0x08, {1}, pixels(1)));
  EXPECT_CONTAINS(error_of([&] { IdxDataset(dir / "f", dir / "l", {.scale = true}); }),
                  "needs ubyte values, the file holds float");
  EXPECT_CONTAINS(error_of([&] { load_idx(dir / "f", true); }), "needs ubyte values");
}

TEST(IdxErrors, CorruptedOrTruncatedFilesNeverCrash) {
  TempDir dir;
  const std::string good = idx(0x08, {2, 3, 2}, pixels(12));
  const auto path = dir / "fuzz-idx";
  int read = 0, refused = 0;
  const auto attempt = [&](const std::string& bytes) {
    dir.write("fuzz-idx", bytes);
    try {
      IdxArray a(path);
      Tensor t = a.to_tensor();
      EXPECT_EQ(t.numel(), a.rows() * a.cols());
      ++read;
    } catch (const Error& e) {
      EXPECT_CONTAINS(e.what(), "fuzz-idx");
      ++refused;
    }
  };
  for (std::size_t pos = 0; pos < 16; ++pos) {
    for (const int v : {0x00, 0x01, 0x02, 0x03, 0x08, 0x0B, 0x0E, 0x7F, 0xFF}) {
      std::string bytes = good;
      bytes[pos] = static_cast<char>(v);
      attempt(bytes);
    }
  }
  for (std::size_t len = 0; len < good.size(); ++len) attempt(good.substr(0, len));
  EXPECT_GT(read, 0);
  EXPECT_GT(refused, 0);
}

TEST(IdxErrors, MissingFileNamesThePath) {
  TempDir dir;
  EXPECT_CONTAINS(error_of([&] { load_idx(dir / "t10k-images-idx3-ubyte"); }),
                  "t10k-images-idx3-ubyte");
}

}  // namespace
}  // namespace lockstep
