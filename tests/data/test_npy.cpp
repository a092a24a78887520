#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "data/reader_test_util.hpp"
#include "lockstep/data/npy.hpp"

namespace lockstep {
namespace {

using testing::error_of;
using testing::TempDir;

/// The little-endian bytes of `values`.
template <class T>
std::string le_bytes(const std::vector<T>& values) {
  std::string out;
  for (const T& v : values) {
    unsigned char raw[sizeof(T)];
    std::memcpy(raw, &v, sizeof(T));
    if constexpr (std::endian::native == std::endian::big) std::reverse(raw, raw + sizeof(T));
    out.append(reinterpret_cast<const char*>(raw), sizeof(T));
  }
  return out;
}

/// A .npy file: magic, version, header length, `dict` padded with spaces to a multiple of 64
/// and ended with '\n' (as numpy writes it), then `data`.
std::string npy(const std::string& dict, const std::string& data, int major = 1) {
  const std::size_t len_bytes = major == 1 ? 2 : 4;
  std::string header = dict;
  const std::size_t unpadded = 8 + len_bytes + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  for (std::size_t b = 0; b < len_bytes; ++b)
    out += static_cast<char>((header.size() >> (8 * b)) & 0xFF);
  return out + header + data;
}

std::string dict(const std::string& descr, const std::string& shape, bool fortran = false) {
  return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") +
         ", 'shape': " + shape + ", }";
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// --- good files -------------------------------------------------------------------------------

TEST(Npy, SaveWritesExactlyWhatNumpyWrites) {
  TempDir dir;
  const auto path = dir / "a.npy";
  save_npy(path, Tensor::from_rows({{0, 1, 2}, {3, 4, 5}}));
  // np.save(f, np.arange(6, dtype=np.float32).reshape(2, 3)) with numpy 1.24.
  const std::string expected = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
                                   le_bytes(std::vector<float>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(expected.size(), 152u);
  EXPECT_EQ(read_file(path), expected);
}

TEST(Npy, SaveAndLoadRoundTrip) {
  TempDir dir;
  Tensor t(5, 7);
  for (Index i = 0; i < t.numel(); ++i) t.data()[i] = static_cast<float>(i) * 0.37f - 3.0f;
  save_npy(dir / "t.npy", t);
  Tensor back = load_npy(dir / "t.npy");
  EXPECT_EQ(back.shape(), t.shape());
  EXPECT_EQ(back.to_vector(), t.to_vector());
  NpyArray a(dir / "t.npy");
  EXPECT_EQ(a.descr(), "<f4");
  EXPECT_EQ(a.dtype(), NpyDType::kFloat32);
  EXPECT_EQ(a.shape(), (std::vector<Index>{5, 7}));
  EXPECT_EQ(a.version(), (std::pair<int, int>{1, 0}));
  EXPECT_EQ(a.data_offset() % 64, 0u);
}

TEST(Npy, SaveIsAtomicAndLeavesNoTemporaryFiles) {
  TempDir dir;
  save_npy(dir / "w.npy", Tensor::full({2, 2}, 1.0f));
  save_npy(dir / "w.npy", Tensor::full({3, 1}, 2.0f));  // replaces the old file
  EXPECT_EQ(load_npy(dir / "w.npy").shape(), (Shape{3, 1}));
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    ++files;
    EXPECT_EQ(entry.path().filename(), "w.npy");
  }
  EXPECT_EQ(files, 1);
  const std::string msg = error_of([&] { save_npy(dir / "no_such_dir" / "x.npy", Tensor(1, 1)); });
  EXPECT_CONTAINS(msg, "x.npy");
}

TEST(Npy, ReadsEveryDtypeAndConverts) {
  TempDir dir;
  dir.write("f8.npy",
            npy(dict("<f8", "(2, 2)"), le_bytes(std::vector<double>{0.5, -1.25, 1e300, 3})));
  dir.write("i4.npy",
            npy(dict("<i4", "(3,)"), le_bytes(std::vector<std::int32_t>{-7, 0, 2147483647})));
  dir.write("i8.npy",
            npy(dict("<i8", "(2, 1)"), le_bytes(std::vector<std::int64_t>{-3, 1LL << 40})));
  dir.write("u1.npy", npy(dict("|u1", "(2, 3)"), std::string("\x00\x01\x7f\x80\xfe\xff", 6)));
  Tensor f8 = load_npy(dir / "f8.npy");
  EXPECT_EQ(f8.shape(), (Shape{2, 2}));
  EXPECT_EQ(f8.to_vector(), (std::vector<float>{0.5f, -1.25f, static_cast<float>(1e300), 3.0f}));
  Tensor i4 = load_npy(dir / "i4.npy");
  EXPECT_EQ(i4.shape(), (Shape{3, 1}));  // 1-D → a column
  EXPECT_EQ(i4.to_vector(), (std::vector<float>{-7, 0, 2147483648.0f}));
  EXPECT_EQ(load_npy(dir / "i8.npy").to_vector(), (std::vector<float>{-3, 1099511627776.0f}));
  Tensor u1 = load_npy(dir / "u1.npy");
  EXPECT_EQ(u1.shape(), (Shape{2, 3}));
  EXPECT_EQ(u1.to_vector(), (std::vector<float>{0, 1, 127, 128, 254, 255}));
  EXPECT_EQ(NpyArray(dir / "u1.npy").dtype(), NpyDType::kUInt8);
}

// Files above map_limit are read with pread instead of a mapping: the same values, every
// dtype, single rows and runs, from several threads at once.
TEST(Npy, FilesAboveTheMapLimitReadTheSameWithPread) {
  TempDir dir;
  std::vector<float> f4(600);
  std::vector<double> f8(600);
  std::vector<std::int32_t> i4(600);
  std::vector<std::uint8_t> u1(600);
  for (std::size_t i = 0; i < 600; ++i) {
    f4[i] = float(i) * 0.37f - 50.0f;
    f8[i] = double(i) * -1.1e-3 + 1e200 * double(i == 7);
    i4[i] = std::int32_t(i * 977) - 300000;
    u1[i] = std::uint8_t(i * 13);
  }
  dir.write("f4.npy", npy(dict("<f4", "(100, 6)"), le_bytes(f4)));
  dir.write("f8.npy", npy(dict("<f8", "(100, 6)"), le_bytes(f8)));
  dir.write("i4.npy", npy(dict("<i4", "(100, 6)"), le_bytes(i4)));
  dir.write("u1.npy", npy(dict("|u1", "(100, 6)"), std::string(u1.begin(), u1.end())));
  for (const char* name : {"f4.npy", "f8.npy", "i4.npy", "u1.npy"}) {
    const NpyArray mapped(dir / name), streamed(dir / name, {.map_limit = 0});
    EXPECT_TRUE(mapped.mapped()) << name;
    EXPECT_FALSE(streamed.mapped()) << name;
    EXPECT_EQ(streamed.to_tensor().to_vector(), mapped.to_tensor().to_vector()) << name;
    std::vector<float> a(3 * 6), b(3 * 6);
    mapped.read_rows(97, 3, a);
    streamed.read_rows(97, 3, b);
    EXPECT_EQ(a, b) << name;
    std::vector<std::thread> readers;
    std::vector<int> same(4, 0);
    for (int t = 0; t < 4; ++t)
      readers.emplace_back([&, t] {
        std::vector<float> mine(6), theirs(6);
        int ok = 1;
        for (Index r = t; r < 100; r += 4) {
          streamed.read_row(r, mine);
          mapped.read_row(r, theirs);
          ok &= int(mine == theirs);
        }
        same[std::size_t(t)] = ok;
      });
    for (auto& th : readers) th.join();
    EXPECT_EQ(same, (std::vector<int>{1, 1, 1, 1})) << name;
    const std::string past_end = error_of([&] { streamed.read_rows(99, 2, b); });
    EXPECT_NE(past_end.find(name), std::string::npos) << past_end;
    EXPECT_NE(past_end.find("out of range"), std::string::npos) << past_end;
  }
}

TEST(Npy, ReadsVersions2And3AndOldStyleHeaders) {
  TempDir dir;
  const std::string data = le_bytes(std::vector<float>{1, 2, 3});
  dir.write("v2.npy", npy(dict("<f4", "(3,)"), data, 2));
  dir.write("v3.npy", npy(dict("<f4", "(3,)"), data, 3));
  // Python 2 long literals, double quotes, no trailing comma, unpadded.
  std::string old = "\x93NUMPY\x01";
  old += '\0';
  const std::string h = "{\"descr\": \"<f4\", \"shape\": (3L,), \"fortran_order\": False}";
  old += static_cast<char>(h.size());
  old += '\0';
  dir.write("old.npy", old + h + data);
  for (const char* name : {"v2.npy", "v3.npy", "old.npy"}) {
    NpyArray a(dir / name);
    EXPECT_EQ(a.to_tensor().to_vector(), (std::vector<float>{1, 2, 3})) << name;
  }
  EXPECT_EQ(NpyArray(dir / "v2.npy").version(), (std::pair<int, int>{2, 0}));
  EXPECT_EQ(NpyArray(dir / "v3.npy").version(), (std::pair<int, int>{3, 0}));
}

TEST(Npy, HigherDimensionsFlattenPerSample) {
  TempDir dir;
  std::vector<float> v(2 * 3 * 4);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i);
  dir.write("img.npy", npy(dict("<f4", "(2, 3, 4)"), le_bytes(v)));
  NpyArray a(dir / "img.npy");
  EXPECT_EQ(a.rows(), 2);
  EXPECT_EQ(a.cols(), 12);
  std::vector<float> row(12);
  a.read_row(1, row);
  EXPECT_EQ(row[0], 12.0f);
  EXPECT_EQ(row[11], 23.0f);
}

TEST(Npy, EmptyArrayIsFine) {
  TempDir dir;
  dir.write("e.npy", npy(dict("<f4", "(0, 5)"), ""));
  NpyArray a(dir / "e.npy");
  EXPECT_EQ(a.rows(), 0);
  EXPECT_EQ(a.cols(), 5);
  EXPECT_EQ(a.to_tensor().numel(), 0);
}

TEST(NpyDataset, ConvertsRowsOnTheFly) {
  TempDir dir;
  const Index n = 1000, d = 16;
  Tensor x(n, d);
  for (Index i = 0; i < x.numel(); ++i) x.data()[i] = static_cast<float>(i % 977) / 7.0f;
  save_npy(dir / "X.npy", x);
  std::vector<std::int64_t> labels(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) labels[static_cast<std::size_t>(i)] = i % 10;
  dir.write("y.npy", npy(dict("<i8", "(1000,)"), le_bytes(labels)));
  NpyDataset ds(dir / "X.npy", dir / "y.npy");
  EXPECT_EQ(ds.size(), n);
  EXPECT_EQ(ds.feature_dim(), d);
  EXPECT_EQ(ds.target_dim(), 1);
  // Several threads at once (get must be thread-safe).
  std::vector<std::thread> threads;
  std::vector<int> bad(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::vector<float> xr(static_cast<std::size_t>(d)), yr(1);
      for (Index i = t; i < n; i += 4) {
        ds.get(i, xr, yr);
        for (Index j = 0; j < d; ++j)
          bad[static_cast<std::size_t>(t)] += xr[static_cast<std::size_t>(j)] != x(i, j);
        bad[static_cast<std::size_t>(t)] += yr[0] != static_cast<float>(i % 10);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad, (std::vector<int>{0, 0, 0, 0}));
  Example e = ds.get(n - 1);
  EXPECT_EQ(e.y.item(), 9.0f);
  EXPECT_THROW(ds.get(n), Error);
}

TEST(NpyDataset, WithoutLabelsHasNoTarget) {
  TempDir dir;
  save_npy(dir / "X.npy", Tensor::from_rows({{1, 2}, {3, 4}}));
  NpyDataset ds(dir / "X.npy");
  EXPECT_EQ(ds.target_dim(), 0);
  EXPECT_FALSE(ds.labels().has_value());
  EXPECT_EQ(ds.get(1).x.to_vector(), (std::vector<float>{3, 4}));
}

TEST(NpyDataset, RowCountMismatchNamesBothFiles) {
  TempDir dir;
  save_npy(dir / "feat.npy", Tensor(10, 3));
  save_npy(dir / "lab.npy", Tensor(9, 1));
  const std::string msg = error_of([&] { NpyDataset(dir / "feat.npy", dir / "lab.npy"); });
  EXPECT_CONTAINS(msg, "feat.npy");
  EXPECT_CONTAINS(msg, "lab.npy");
  EXPECT_CONTAINS(msg, "10 rows");
  EXPECT_CONTAINS(msg, "have 9");
}

// --- bad files: each message names the file and the field or byte offset --------------------

std::string npy_error(const std::string& name, const std::string& bytes) {
  TempDir dir;
  const auto path = dir.write(name, bytes);
  const std::string msg = error_of([&] { NpyArray a(path); });
  EXPECT_CONTAINS(msg, name);
  return msg;
}

TEST(NpyErrors, NotANpyFile) {
  EXPECT_CONTAINS(npy_error("text.npy", "hello world, this is text"), "not a .npy file");
  EXPECT_CONTAINS(npy_error("short.npy", "\x93NUM"), "not a .npy file");
  EXPECT_CONTAINS(npy_error("empty.npy", ""), "not a .npy file");
  EXPECT_CONTAINS(npy_error("arch.npy", std::string("PK\x03\x04rest of a zip", 18)), ".npz");
}

TEST(NpyErrors, RowsOfNoValuesAreRefused) {
  EXPECT_CONTAINS(npy_error("empty-rows.npy", npy(dict("<f4", "(4000000000, 0)"), "")),
                  "gives each of its 4000000000 rows no values");
}

TEST(NpyErrors, UnsupportedVersion) {
  std::string bytes = npy(dict("<f4", "(1,)"), le_bytes(std::vector<float>{1}));
  bytes[6] = 4;
  EXPECT_CONTAINS(npy_error("v4.npy", bytes), "unsupported .npy format version 4.0 (bytes 6-7)");
}

TEST(NpyErrors, HeaderLengthPastTheEnd) {
  std::string bytes = npy(dict("<f4", "(1,)"), "");
  bytes[8] = '\xff';
  bytes[9] = '\x7f';
  const std::string msg = npy_error("cut.npy", bytes);
  EXPECT_CONTAINS(msg, "header length 32767 (bytes 8-9) runs past the end of the file");
}

TEST(NpyErrors, BigEndianIsRefusedByName) {
  const std::string msg = npy_error("be.npy", npy(dict(">f4", "(1,)"), "\0\0\0\0"));
  EXPECT_CONTAINS(msg, "header field 'descr'");
  EXPECT_CONTAINS(msg, "big-endian dtype '>f4'");
  EXPECT_CONTAINS(msg, "astype('<f4')");
  EXPECT_CONTAINS(npy_error("be8.npy", npy(dict(">i8", "(1,)"), std::string(8, '\0'))),
                  "big-endian dtype '>i8'");
}

TEST(NpyErrors, FortranOrderIsRefusedByName) {
  const std::string msg =
      npy_error("f.npy", npy(dict("<f4", "(2, 2)", true), std::string(16, '\0')));
  EXPECT_CONTAINS(msg, "header field 'fortran_order'");
  EXPECT_CONTAINS(msg, "Fortran-order");
}

TEST(NpyErrors, ObjectAndStructuredAndOtherDtypes) {
  EXPECT_CONTAINS(npy_error("o.npy", npy(dict("|O", "(1,)"), std::string(8, '\0'))),
                  "header field 'descr': object arrays ('|O')");
  EXPECT_CONTAINS(
      npy_error("s.npy", npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }",
                             std::string(4, '\0'))),
      "header field 'descr': structured dtypes");
  EXPECT_CONTAINS(npy_error("c.npy", npy(dict("<c8", "(1,)"), std::string(8, '\0'))),
                  "unsupported dtype '<c8'");
  EXPECT_CONTAINS(npy_error("f2.npy", npy(dict("<f2", "(1,)"), std::string(2, '\0'))),
                  "unsupported dtype '<f2'");
}

TEST(NpyErrors, MalformedHeaderDicts) {
  EXPECT_CONTAINS(npy_error("m.npy", npy("{'descr': '<f4', 'fortran_order': False, }", "")),
                  "the header has no field 'shape'");
  EXPECT_CONTAINS(
      npy_error("k.npy",
                npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1, }", "")),
      "unknown field 'extra'");
  EXPECT_CONTAINS(npy_error("b.npy", npy("['descr']", "")), "header byte offset 10: expected '{'");
  EXPECT_CONTAINS(npy_error("t.npy", npy(dict("<f4", "(1,)") + " junk", "\0\0\0\0")),
                  "unexpected text after the header dict");
  EXPECT_CONTAINS(
      npy_error("bool.npy",
                npy(dict("<f4", "(1,)").replace(dict("<f4", "(1,)").find("False"), 5, "Maybe"),
                    "\0\0\0\0")),
      "header field 'fortran_order': expected True or False");
  EXPECT_CONTAINS(npy_error("neg.npy", npy(dict("<f4", "(-1,)"), "")), "negative dimension");
  EXPECT_CONTAINS(npy_error("scalar.npy", npy(dict("<f4", "()"), "\0\0\0\0")),
                  "header field 'shape' is (): a 0-d");
  EXPECT_CONTAINS(npy_error("big.npy", npy(dict("<f4", "(99999999999999999999,)"), "")),
                  "too large for 64 bits");
}

TEST(NpyErrors, ShapeMustMatchTheDataBeforeAnythingIsMapped) {
  // A lying header: 10^6 x 784 float32 (3 GB) in a file of a few bytes must fail at once.
  const std::string msg =
      npy_error("lie.npy", npy(dict("<f4", "(1000000, 784)"), le_bytes(std::vector<float>{1, 2})));
  EXPECT_CONTAINS(msg,
                  "header field 'shape' (1000000, 784) with dtype '<f4' needs 3136000000 bytes");
  EXPECT_CONTAINS(msg, "from byte offset 128");
  EXPECT_CONTAINS(msg, "has only 8");
  EXPECT_CONTAINS(
      npy_error("overflow.npy", npy(dict("<f8", "(4294967296, 4294967296, 4294967296)"), "")),
      "overflows 64 bits");
  const std::string trailing =
      npy_error("trail.npy", npy(dict("<f4", "(2,)"), le_bytes(std::vector<float>{1, 2, 3})));
  EXPECT_CONTAINS(trailing, "needs 8 bytes");
  EXPECT_CONTAINS(trailing, "4 more bytes after them");
}

TEST(NpyErrors, CorruptedOrTruncatedFilesNeverCrash) {
  // Every byte of the preamble and header set to a few values, and every truncation: each file
  // either reads or throws lockstep::Error (run under ASan/UBSan by the sanitizer builds).
  TempDir dir;
  const std::string good =
      npy(dict("<f4", "(3, 2)"), le_bytes(std::vector<float>{1, 2, 3, 4, 5, 6}));
  const auto path = dir / "fuzz.npy";
  int read = 0, refused = 0;
  const auto attempt = [&](const std::string& bytes) {
    dir.write("fuzz.npy", bytes);
    try {
      NpyArray a(path);
      Tensor t = a.to_tensor();
      EXPECT_EQ(t.numel(), a.rows() * a.cols());
      ++read;
    } catch (const Error& e) {
      EXPECT_CONTAINS(e.what(), "fuzz.npy");
      ++refused;
    }
  };
  for (std::size_t pos = 0; pos < 80; ++pos) {
    for (const char c : {'\0', '\xff', '(', ',', '9', ' ', '\'', '}', 'L'}) {
      std::string bytes = good;
      bytes[pos] = c;
      attempt(bytes);
    }
  }
  for (std::size_t len = 0; len < good.size(); ++len) attempt(good.substr(0, len));
  EXPECT_GT(read, 0);
  EXPECT_GT(refused, 0);
}

TEST(NpyErrors, MissingFileNamesThePath) {
  TempDir dir;
  EXPECT_CONTAINS(error_of([&] { load_npy(dir / "nope.npy"); }), "nope.npy");
  EXPECT_CONTAINS(error_of([&] { load_npy(dir.path()); }), "not a regular file");
}

}  // namespace
}  // namespace lockstep
