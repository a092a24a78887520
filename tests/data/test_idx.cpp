#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <vector>

#include "data/reader_test_util.hpp"
#include "io/allocation_tracker.hpp"
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

/// `bytes` as one gzip member (what gzip(1) writes), compressed with zlib at `level`.
std::string gzip(const std::string& bytes, int level = 6) {
  z_stream s{};
  EXPECT_EQ(deflateInit2(&s, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&s, static_cast<uLong>(bytes.size())), '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  s.avail_in = static_cast<uInt>(bytes.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&s, Z_FINISH), Z_STREAM_END);
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

/// Bytes that do not compress (a fixed linear congruential sequence).
std::string noise(std::size_t n) {
  std::string out(n, '\0');
  std::uint32_t x = 12345;
  for (char& c : out) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(x >> 24);
  }
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

// --- gzip-compressed files -------------------------------------------------------------------

TEST(IdxGzip, ReadsLikeTheDecompressedFile) {
  TempDir dir;
  const std::uint32_t n = 5, rows = 4, cols = 3;
  const std::string images = idx(0x08, {n, rows, cols}, pixels(n * rows * cols));
  const std::string labels = idx(0x08, {n}, std::string("\x07\x02\x01\x00\x04", 5));
  dir.write("images", images);
  dir.write("images.gz", gzip(images));
  dir.write("labels.gz", gzip(labels, 9));
  // Known by the magic bytes, not the name.
  dir.write("labels-idx1-ubyte", gzip(labels, 1));
  const IdxArray plain(dir / "images"), gz(dir / "images.gz");
  EXPECT_FALSE(plain.compressed());
  EXPECT_TRUE(gz.compressed());
  EXPECT_EQ(gz.dims(), plain.dims());
  EXPECT_EQ(gz.type(), IdxType::kUInt8);
  EXPECT_EQ(gz.to_tensor(true).to_vector(), plain.to_tensor(true).to_vector());
  EXPECT_EQ(load_idx(dir / "labels-idx1-ubyte").to_vector(), (std::vector<float>{7, 2, 1, 0, 4}));
  IdxDataset ds(dir / "images.gz", dir / "labels.gz", {.scale = true});
  EXPECT_EQ(ds.size(), 5);
  EXPECT_EQ(ds.feature_dim(), 12);
  Example e = ds.get(2);
  EXPECT_EQ(e.x.at(0, 0), 24.0f / 255.0f);
  EXPECT_EQ(e.y.item(), 1.0f);
  auto loaded = load_idx_dataset(dir / "images.gz", dir / "labels.gz");
  EXPECT_EQ(loaded->features().to_vector(), plain.to_tensor().to_vector());
  // A copy shares the decompressed bytes and outlives the original.
  IdxArray copy = IdxArray(dir / "images.gz");
  EXPECT_EQ(copy.to_tensor().to_vector(), plain.to_tensor().to_vector());
}

TEST(IdxGzip, EveryTypeAndSeveralMembers) {
  TempDir dir;
  const std::string doubles = idx(0x0E, {2}, be_bytes(std::vector<double>{0.1, -3.0}));
  dir.write("double.gz", gzip(doubles));
  EXPECT_EQ(load_idx(dir / "double.gz").to_vector(), (std::vector<float>{0.1f, -3.0f}));
  // `gzip a; gzip b; cat a.gz b.gz`: one stream of two members, read as their concatenation
  // (as gunzip does), here split inside the dimensions.
  const std::string images = idx(0x08, {3, 2, 2}, pixels(12));
  dir.write("two.gz", gzip(images.substr(0, 6)) + gzip(images.substr(6)));
  EXPECT_EQ(load_idx(dir / "two.gz").to_vector(), load_idx(dir.write("plain", images)).to_vector());
  // Incompressible data spanning several buffer sizes, read back exactly.
  const std::string big = idx(0x08, {1000, 3000}, noise(3'000'000));
  dir.write("big.gz", gzip(big, 1));
  EXPECT_EQ(load_idx(dir / "big.gz").to_vector(), load_idx(dir.write("big", big)).to_vector());
}

std::string gz_error(const std::string& name, const std::string& bytes) {
  TempDir dir;
  const auto path = dir.write(name, bytes);
  const std::string msg = error_of([&] { IdxArray a(path); });
  EXPECT_CONTAINS(msg, name);
  return msg;
}

TEST(IdxGzipErrors, TruncatedFilesNameTheOffset) {
  const std::string images = idx(0x08, {20, 28, 28}, noise(20 * 28 * 28));
  const std::string gz = gzip(images);
  // Cut inside the compressed data: the error says where the file ends and how far it got.
  const std::string cut = gz.substr(0, gz.size() / 2);
  const std::string msg = gz_error("train-images-idx3-ubyte.gz", cut);
  EXPECT_CONTAINS(msg, "the gzip data is truncated: the file ends at byte offset " +
                           std::to_string(cut.size()));
  EXPECT_CONTAINS(msg, "decompressed bytes");
  // Without its 8-byte trailer (CRC-32, length) every byte of data is there, but the stream
  // is incomplete: still refused.
  EXPECT_CONTAINS(gz_error("no-trailer.gz", gz.substr(0, gz.size() - 8)), "truncated");
  // Every other length too: an error naming the file, never a crash or a partial read.
  for (std::size_t len = 0; len < gz.size(); len += 97) {
    TempDir dir;
    const auto path = dir.write("cut.gz", gz.substr(0, len));
    EXPECT_CONTAINS(error_of([&] { IdxArray a(path); }), "cut.gz");
  }
}

TEST(IdxGzipErrors, CorruptDataAndChecksums) {
  const std::string images = idx(0x08, {20, 28, 28}, pixels(20 * 28 * 28));
  const std::string gz = gzip(images);
  ASSERT_GT(gz.size(), 40u);
  // The trailer: CRC-32 of the data, then its length mod 2^32 (both little-endian).
  std::string bad_crc = gz;
  bad_crc[gz.size() - 8] = static_cast<char>(bad_crc[gz.size() - 8] ^ 0x01);
  std::string msg = gz_error("crc.gz", bad_crc);
  EXPECT_CONTAINS(msg, "corrupt gzip data, found at byte offset");
  EXPECT_CONTAINS(msg, "incorrect data check");
  std::string bad_length = gz;
  bad_length[gz.size() - 4] = static_cast<char>(bad_length[gz.size() - 4] ^ 0x01);
  EXPECT_CONTAINS(gz_error("length.gz", bad_length), "incorrect length check");
  // A wrong compression method in the gzip header (byte 2 must be 8, deflate).
  std::string bad_method = gz;
  bad_method[2] = 7;
  EXPECT_CONTAINS(gz_error("method.gz", bad_method), "unknown compression method");
  // Bytes after the last member that are not another member.
  EXPECT_CONTAINS(gz_error("trailing.gz", gz + "garbage"),
                  "7 bytes after the end of the gzip data at byte offset " +
                      std::to_string(gz.size()) + " are not another gzip member");
  // Flipped bytes anywhere in the deflate data: refused (bad blocks, or the CRC catches it).
  int refused = 0;
  for (std::size_t pos = 10; pos + 9 < gz.size(); pos += 3) {  // not the last: padding bits
    std::string bytes = gz;
    bytes[pos] = static_cast<char>(bytes[pos] ^ 0x5A);
    TempDir dir;
    const auto path = dir.write("flip.gz", bytes);
    try {
      IdxArray a(path);
      ADD_FAILURE() << "a flipped byte at " << pos << " was read";
    } catch (const Error& e) {
      EXPECT_CONTAINS(e.what(), "flip.gz");
      ++refused;
    }
  }
  EXPECT_GT(refused, 0);
}

TEST(IdxGzipErrors, TheHeaderMustMatchTheData) {
  // Declares 100 x 28 x 28 bytes, holds 100 (incompressible, so that the compressed size
  // could hold the declared one): found short while decompressing.
  std::string msg = gz_error("short.gz", gzip(idx(0x08, {100, 28, 28}, noise(100))));
  EXPECT_CONTAINS(msg, "needs 78400 bytes of data from byte offset 16");
  EXPECT_CONTAINS(msg, "the decompressed data holds only 100 there");
  // Holds more than it declares.
  EXPECT_CONTAINS(gz_error("long.gz", gzip(idx(0x08, {2, 2}, pixels(5)))),
                  "the decompressed data holds more bytes after them");
  // The IDX checks still apply to the decompressed bytes.
  EXPECT_CONTAINS(gz_error("type.gz", gzip(idx(0x07, {1}, "x"))),
                  "byte 2: unknown IDX type code 0x7");
  EXPECT_CONTAINS(gz_error("tiny.gz", gzip(std::string("\x00\x00", 2))),
                  "too short for an IDX header (the decompressed data has 2 bytes");
  std::string dims = idx(0x08, {60000, 28}, "");
  dims[3] = 3;
  EXPECT_CONTAINS(gz_error("dims.gz", gzip(dims)),
                  "byte 3 says 3 dimensions, whose sizes need bytes 4-15, but the decompressed "
                  "data has only 12 bytes");
  EXPECT_CONTAINS(gz_error("empty-items.gz", gzip(idx(0x08, {3506438144u, 0, 768}, ""))),
                  "give each of its 3506438144 items no values");
  std::vector<std::uint32_t> huge(8, 0xFFFFFFFFu);
  EXPECT_CONTAINS(gz_error("huge.gz", gzip(idx(0x0E, huge, ""))), "too large");
}

TEST(IdxGzipErrors, DeclaredSizesAreBoundedBeforeAnythingIsAllocated) {
  // Beyond the limit: 60000 x 1000 x 1000 bytes (60 GB) in a few dozen bytes.
  std::string msg = gz_error("bomb.gz", gzip(idx(0x08, {60000, 1000, 1000}, "")));
  EXPECT_CONTAINS(msg, "declares 60000000016 bytes in all, more than the limit of " +
                           std::to_string(IdxArray::kMaxDecompressedBytes));
  // Under the limit but more than the compressed bytes can hold (1 GB from ~40 bytes).
  const std::string tiny = gzip(idx(0x08, {1000000, 1000}, ""));
  msg = gz_error("lie.gz", tiny);
  EXPECT_CONTAINS(msg, "declares 1000000012 bytes in all, but " + std::to_string(tiny.size()) +
                           " bytes of gzip data decompress to at most " +
                           std::to_string(tiny.size() * 1032));
  // Within what the compressed bytes could hold (40 MB from ~40 KB), but holding 40 KB: the
  // buffer grows with what is decompressed; nothing near the declared size is allocated.
  const std::string body = gzip(idx(0x08, {40000, 1000}, noise(40000)));
  ASSERT_LT(40'000'016u, body.size() * 1032);
  TempDir dir;
  const auto path = dir.write("grows.gz", body);
  io_test::start_tracking_allocations();
  msg = error_of([&] { IdxArray a(path); });
  const std::size_t largest = io_test::stop_tracking_allocations();
  EXPECT_CONTAINS(msg, "the decompressed data holds only 40000 there");
  EXPECT_LE(largest, std::size_t{2} << 20) << "a lying header sized an allocation";
  // A true bomb: 50 MB of zeros compress to ~50 KB and decompress in full, as declared.
  const std::string zeros = gzip(idx(0x08, {50, 1000, 1000}, std::string(50'000'000, '\0')), 9);
  EXPECT_LT(zeros.size(), 100'000u);
  IdxArray bomb(dir.write("zeros.gz", zeros));
  EXPECT_EQ(bomb.rows(), 50);
  EXPECT_EQ(bomb.cols(), 1'000'000);
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
  // The gzip magic number makes the file a .gz whatever its name: these 8 bytes are a
  // truncated gzip header.
  EXPECT_CONTAINS(idx_error("gz-idx3-ubyte", std::string("\x1f\x8b\x08\x00rest", 8)),
                  "the gzip data is truncated");
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
