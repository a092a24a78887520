// write_safetensors / read_safetensors: round trips, the exact bytes, atomic replacement, and
// every kind of malformed file, each error naming the file and the tensor or field at fault.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "io/allocation_tracker.hpp"
#include "io/io_test_util.hpp"
#include "lockstep/core/error.hpp"
#include "lockstep/io/safetensors.hpp"

namespace lockstep {
namespace {

using io_test::error_of;
using io_test::le64;
using io_test::le_bytes;
using io_test::read_bytes;
using io_test::safetensors_bytes;
using io_test::TempDir;
using io_test::write_bytes;

std::vector<SafetensorsEntry> sample_entries() {
  return {
      {"layer.weight", {2, 3}, Tensor::from_rows({{1, 2, 3}, {4, 5, 6}})},
      {"layer.bias", {3}, Tensor::from_rows({{-0.5f, 0.25f, 1e-30f}})},
      {"scale", {}, Tensor::scalar(3.5f)},
      {"cube", {2, 2, 2}, Tensor::from_rows({{1, 2, 3, 4}, {5, 6, 7, 8}})},
      {"empty", {0, 3}, Tensor(Shape{0, 3})},
  };
}

TEST(Safetensors, RoundTripKeepsNamesShapesValuesAndMetadata) {
  TempDir dir;
  const SafetensorsMetadata meta = {{"class_names", R"(["setosa", "versicolor"])"},
                                    {"note", "quotes \" backslash \\ tab \t and ünïcødé"}};
  write_safetensors(dir / "m.safetensors", sample_entries(), meta);
  const SafetensorsFile file = read_safetensors(dir / "m.safetensors");
  EXPECT_EQ(file.metadata, meta);
  ASSERT_EQ(file.entries.size(), 5u);
  std::vector<std::string> names;
  for (const auto& e : file.entries) names.push_back(e.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"cube", "empty", "layer.bias", "layer.weight", "scale"}));
  for (const auto& expected : sample_entries()) {
    const SafetensorsEntry* e = file.find(expected.name);
    ASSERT_NE(e, nullptr) << expected.name;
    EXPECT_EQ(e->shape, expected.shape) << expected.name;
    EXPECT_EQ(e->tensor.to_vector(), expected.tensor.to_vector()) << expected.name;
  }
  EXPECT_EQ(file.find("scale")->tensor.shape(), (Shape{1, 1}));
  EXPECT_EQ(file.find("layer.bias")->tensor.shape(), (Shape{1, 3}));
  EXPECT_EQ(file.find("layer.weight")->tensor.shape(), (Shape{2, 3}));
  EXPECT_EQ(file.find("cube")->tensor.shape(), (Shape{2, 4}));
  EXPECT_EQ(file.find("empty")->tensor.shape(), (Shape{0, 3}));
  EXPECT_EQ(file.find("missing"), nullptr);
}

TEST(Safetensors, RoundTripOfAFileWithoutTensors) {
  TempDir dir;
  write_safetensors(dir / "e.safetensors", {});
  EXPECT_EQ(read_bytes(dir / "e.safetensors"), le64(8) + "{}      ");
  const SafetensorsFile file = read_safetensors(dir / "e.safetensors");
  EXPECT_TRUE(file.entries.empty());
  EXPECT_TRUE(file.metadata.empty());
}

TEST(Safetensors, WritesTheLayoutOfThePythonLibrary) {
  TempDir dir;
  write_safetensors(
      dir / "a.safetensors",
      {{"b", {2}, Tensor::from_rows({{1.0f, -2.0f}})}, {"a", {1, 1}, Tensor::scalar(0.5f)}},
      {{"k", "v"}});
  std::string header =
      R"({"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[1,1],"data_offsets":[0,4]},)"
      R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})";
  header.append((8 - header.size() % 8) % 8, ' ');
  ASSERT_EQ(header.size() % 8, 0u);
  EXPECT_EQ(read_bytes(dir / "a.safetensors"),
            safetensors_bytes(header, le_bytes<float>({0.5f, 1.0f, -2.0f})));
}

TEST(Safetensors, SameEntriesGiveTheSameBytesInAnyOrder) {
  TempDir dir;
  auto entries = sample_entries();
  write_safetensors(dir / "1.safetensors", entries, {{"x", "1"}, {"a", "2"}});
  std::reverse(entries.begin(), entries.end());
  write_safetensors(dir / "2.safetensors", entries, {{"a", "2"}, {"x", "1"}});
  write_safetensors(dir / "3.safetensors", entries, {{"a", "2"}, {"x", "1"}});
  const std::string first = read_bytes(dir / "1.safetensors");
  EXPECT_FALSE(first.empty());
  EXPECT_EQ(first, read_bytes(dir / "2.safetensors"));
  EXPECT_EQ(first, read_bytes(dir / "3.safetensors"));
}

TEST(Safetensors, WriteReplacesAnExistingFileAndLeavesNoTemporaryFile) {
  TempDir dir;
  write_safetensors(dir / "m.safetensors", sample_entries());
  write_safetensors(dir / "m.safetensors", {{"only", {1}, Tensor::scalar(7.0f)}});
  EXPECT_EQ(dir.listing(), (std::set<std::string>{"m.safetensors"}));
  const SafetensorsFile file = read_safetensors(dir / "m.safetensors");
  ASSERT_EQ(file.entries.size(), 1u);
  EXPECT_EQ(file.entries[0].tensor.item(), 7.0f);
}

TEST(Safetensors, FailedWriteLeavesTheOldFileByteIdentical) {
  TempDir dir;
  const auto path = dir / "m.safetensors";
  write_safetensors(path, sample_entries());
  const std::string before = read_bytes(path);

  const std::string numel = error_of([&] {
    write_safetensors(path, {{"ok", {1}, Tensor::scalar(1)}, {"bad", {2, 2}, Tensor(1, 3)}});
  });
  EXPECT_MESSAGE_HAS(numel, path.string(), "'bad'", "[2, 2]", "4 elements", "3");
  const std::string nan = error_of([&] {
    Tensor t = Tensor::zeros({2, 3});
    t(1, 2) = std::numeric_limits<float>::quiet_NaN();
    write_safetensors(path, {{"w", {2, 3}, t}});
  });
  EXPECT_MESSAGE_HAS(nan, path.string(), "'w'", "non-finite", "element 5", "[1, 2]");
  EXPECT_MESSAGE_HAS(
      error_of([&] {
        write_safetensors(path, {{"a", {1}, Tensor::scalar(1)}, {"a", {1}, Tensor::scalar(2)}});
      }),
      path.string(), "'a'", "more than once");
  EXPECT_MESSAGE_HAS(error_of([&] {
                       write_safetensors(path, {{"__metadata__", {1}, Tensor::scalar(1)}});
                     }),
                     "__metadata__", "reserved");
  EXPECT_MESSAGE_HAS(error_of([&] {
                       write_safetensors(path, {{"", {1}, Tensor::scalar(1)}});
                     }),
                     "empty name");
  EXPECT_MESSAGE_HAS(error_of([&] {
                       write_safetensors(path, {{"neg", {-1, -1}, Tensor::scalar(1)}});
                     }),
                     "'neg'", "[-1, -1]");
  EXPECT_MESSAGE_HAS(error_of([&] {
                       write_safetensors(path, {{"bad\xff", {1}, Tensor::scalar(1)}});
                     }),
                     "UTF-8");
  EXPECT_MESSAGE_HAS(error_of([&] {
                       write_safetensors(path, {{"a", {1}, Tensor::scalar(1)}}, {{"key", "\xc3"}});
                     }),
                     "metadata 'key'", "UTF-8");

  EXPECT_EQ(read_bytes(path), before);
  EXPECT_EQ(dir.listing(), (std::set<std::string>{"m.safetensors"}));
}

TEST(Safetensors, WritingOverADirectoryFailsAndLeavesNoTemporaryFile) {
  TempDir dir;
  std::filesystem::create_directory(dir / "sub");
  write_bytes(dir / "sub" / "keep", "keep");
  const std::string message = error_of([&] {
    write_safetensors(dir / "sub", {{"a", {1}, Tensor::scalar(1)}});
  });
  EXPECT_MESSAGE_HAS(message, (dir / "sub").string(), "renaming");
  EXPECT_EQ(dir.listing(), (std::set<std::string>{"sub"}));
  EXPECT_EQ(read_bytes(dir / "sub" / "keep"), "keep");

  EXPECT_MESSAGE_HAS(
      error_of([&] {
        write_safetensors(dir / "no_such_dir" / "m.safetensors", {{"a", {1}, Tensor::scalar(1)}});
      }),
      "no_such_dir", "temporary file");
  EXPECT_MESSAGE_HAS(error_of([&] {
                       write_safetensors(dir.path() / "", {{"a", {1}, Tensor::scalar(1)}});
                     }),
                     "names no file");
  EXPECT_EQ(dir.listing(), (std::set<std::string>{"sub"}));
}

TEST(Safetensors, WriteFailingHalfwayLeavesTheOldFileAndNoTemporaryFile) {
  TempDir dir;
  const auto path = dir / "m.safetensors";
  write_safetensors(path, sample_entries());
  const std::string before = read_bytes(path);

  // Files may not grow past 4 KiB for a moment: the write fails (EFBIG) part-way.
  const std::string message = io_test::error_under_file_size_limit(4096, [&] {
    write_safetensors(path, {{"big", {64, 1024}, Tensor::ones({64, 1024})}});
  });

  EXPECT_MESSAGE_HAS(message, path.string(), "writing failed");
  EXPECT_EQ(read_bytes(path), before);
  EXPECT_EQ(dir.listing(), (std::set<std::string>{"m.safetensors"}));
}

// --- reading malformed files ---------------------------------------------------------------------

class SafetensorsRead : public ::testing::Test {
 protected:
  /// Writes `bytes` to a file and returns the message read_safetensors throws for it, after
  /// checking that the message names the file.
  std::string error_for(const std::string& bytes) {
    write_bytes(path_, bytes);
    std::string message = error_of([&] { read_safetensors(path_); });
    EXPECT_MESSAGE_HAS(message, path_.string());
    return message;
  }
  /// The same for a file made of `header` and `data`.
  std::string error_for(const std::string& header, const std::string& data) {
    return error_for(safetensors_bytes(header, data));
  }

  TempDir dir_;
  std::filesystem::path path_ = dir_ / "bad.safetensors";
};

std::string one_tensor(const std::string& fields) { return R"({"t":{)" + fields + "}}"; }

TEST_F(SafetensorsRead, MissingFileAndDirectory) {
  EXPECT_MESSAGE_HAS(error_of([&] { read_safetensors(dir_ / "nope.safetensors"); }),
                     "nope.safetensors", "cannot open");
  EXPECT_MESSAGE_HAS(error_of([&] { read_safetensors(dir_.path()); }), dir_.path().string(),
                     "directory");
}

TEST_F(SafetensorsRead, FileShorterThanTheLengthField) {
  EXPECT_MESSAGE_HAS(error_for(""), "0 bytes", "8");
  EXPECT_MESSAGE_HAS(error_for("abcde"), "5 bytes", "8");
}

TEST_F(SafetensorsRead, HeaderLengthPastTheEndOfTheFile) {
  EXPECT_MESSAGE_HAS(error_for(le64(100) + "{}"), "header length 100", "past the end");
}

TEST_F(SafetensorsRead, LyingHeaderLengthFailsFastWithoutAllocatingIt) {
  write_bytes(path_, le64(std::uint64_t{1} << 60) + R"({"t":{}})");
  const auto start = std::chrono::steady_clock::now();
  io_test::start_tracking_allocations();
  std::string message;
  try {
    read_safetensors(path_);
  } catch (const Error& e) {
    message = e.what();
  }
  const std::size_t largest = io_test::stop_tracking_allocations();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_MESSAGE_HAS(message, path_.string(), "header length 1152921504606846976", "past the end");
  EXPECT_LT(largest, std::size_t{1} << 16);
  EXPECT_GT(largest, 0u);  // the tracker is live
  EXPECT_LT(elapsed, std::chrono::seconds(1));
}

TEST_F(SafetensorsRead, AbsurdlyLargeHeaderIsRefusedBeforeReadingIt) {
  // A sparse file of 150 MB whose header length claims 120 MB: within the file, over the limit.
  write_bytes(path_, le64(120'000'000));
  std::filesystem::resize_file(path_, 150'000'000);
  io_test::start_tracking_allocations();
  const std::string message = error_of([&] { read_safetensors(path_); });
  const std::size_t largest = io_test::stop_tracking_allocations();
  EXPECT_MESSAGE_HAS(message, path_.string(), "header length 120000000", "limit");
  EXPECT_LT(largest, std::size_t{1} << 16);
}

TEST_F(SafetensorsRead, InvalidJsonSaysWhere) {
  EXPECT_MESSAGE_HAS(error_for(R"({"t": [1, 2,})", ""), "invalid JSON", "byte 13");
  EXPECT_MESSAGE_HAS(error_for("", ""), "invalid JSON", "byte 1");
  EXPECT_MESSAGE_HAS(error_for(std::string("{\"t\xff\":1}"), ""), "invalid JSON");
}

TEST_F(SafetensorsRead, HeaderThatIsNotAnObject) {
  EXPECT_MESSAGE_HAS(error_for("[1, 2]", ""), "array", "not an object");
  EXPECT_MESSAGE_HAS(error_for(R"({"t": 3})", ""), "'t'", "number", "not an object");
}

TEST_F(SafetensorsRead, DeeplyNestedHeaderIsRefusedWhileParsing) {
  EXPECT_MESSAGE_HAS(error_for(std::string(100000, '[') + std::string(100000, ']'), ""),
                     "nested deeper");
}

TEST_F(SafetensorsRead, MissingAndUnexpectedFields) {
  EXPECT_MESSAGE_HAS(error_for(one_tensor(R"("dtype":"F32","shape":[1])"), le_bytes<float>({1})),
                     "'t'", "'data_offsets' is missing");
  EXPECT_MESSAGE_HAS(
      error_for(one_tensor(R"("dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":1)"),
                le_bytes<float>({1})),
      "'t'", "unexpected field 'extra'");
}

TEST_F(SafetensorsRead, UnknownAndUnsupportedDtypesAreNamed) {
  EXPECT_MESSAGE_HAS(
      error_for(one_tensor(R"("dtype":"F33","shape":[1],"data_offsets":[0,4])"), "abcd"), "'t'",
      "unknown dtype 'F33'", "F32, F64, F16, BF16 and I64");
  EXPECT_MESSAGE_HAS(
      error_for(one_tensor(R"("dtype":"I32","shape":[2],"data_offsets":[0,8])"), "abcdefgh"), "'t'",
      "dtype I32 is not supported", "F32, F64, F16, BF16 and I64");
  EXPECT_MESSAGE_HAS(error_for(one_tensor(R"("dtype":4,"shape":[1],"data_offsets":[0,4])"), "abcd"),
                     "'t'", "dtype is a number");
}

TEST_F(SafetensorsRead, ShapeMustBeAListOfNonNegativeIntegers) {
  for (const char* shape : {"3", "[-1]", "[2.5]", "[\"2\"]", "[[1]]", "null"}) {
    SCOPED_TRACE(shape);
    const std::string header =
        one_tensor(std::string(R"("dtype":"F32","data_offsets":[0,4],"shape":)") + shape);
    EXPECT_MESSAGE_HAS(error_for(header, "abcd"), "'t'", "shape");
  }
  EXPECT_MESSAGE_HAS(
      error_for(one_tensor(R"("dtype":"F32","data_offsets":[0,4],"shape":[4294967296,4294967296])"),
                "abcd"),
      "'t'", "too large");
}

TEST_F(SafetensorsRead, DataOffsetsMustBeBeginAndEnd) {
  for (const char* offsets : {"4", "[0]", "[0,4,8]", "[-4,0]", "[0,\"4\"]", "[0,4.0]"}) {
    SCOPED_TRACE(offsets);
    const std::string header =
        one_tensor(std::string(R"("dtype":"F32","shape":[1],"data_offsets":)") + offsets);
    EXPECT_MESSAGE_HAS(error_for(header, "abcd"), "'t'", "data_offsets", "[begin, end]");
  }
  EXPECT_MESSAGE_HAS(
      error_for(one_tensor(R"("dtype":"F32","shape":[1],"data_offsets":[4,0])"), "abcd"), "'t'",
      "data_offsets [4, 0]", "end before they begin");
}

TEST_F(SafetensorsRead, SizeMustMatchShapeTimesItemSize) {
  EXPECT_MESSAGE_HAS(error_for(one_tensor(R"("dtype":"F32","shape":[2,3],"data_offsets":[0,20])"),
                               std::string(20, '\0')),
                     "'t'", "hold 20 bytes", "[2, 3]", "6 x 4");
  EXPECT_MESSAGE_HAS(error_for(one_tensor(R"("dtype":"F64","shape":[2],"data_offsets":[0,8])"),
                               std::string(8, '\0')),
                     "'t'", "hold 8 bytes", "2 x 8");
}

TEST_F(SafetensorsRead, OffsetsPastTheDataSection) {
  EXPECT_MESSAGE_HAS(
      error_for(one_tensor(R"("dtype":"F32","shape":[2],"data_offsets":[0,8])"), "abcd"), "'t'",
      "past the end of the data section (4 bytes)");
}

TEST_F(SafetensorsRead, OverlappingTensorsAreNamed) {
  const std::string header = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                             R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})";
  EXPECT_MESSAGE_HAS(error_for(header, le_bytes<float>({1, 2, 3})), "'b'", "[4, 12]", "overlap",
                     "'a' [0, 8]");
}

TEST_F(SafetensorsRead, GapsBetweenTensorsAndTrailingBytes) {
  const std::string header = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                             R"("b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}})";
  EXPECT_MESSAGE_HAS(error_for(header, le_bytes<float>({1, 2, 3, 4, 5})), "'b'", "gap", "[8, 12)");
  EXPECT_MESSAGE_HAS(error_for(one_tensor(R"("dtype":"F32","shape":[1],"data_offsets":[4,8])"),
                               le_bytes<float>({1, 2})),
                     "'t'", "gap", "[0, 4)");
  EXPECT_MESSAGE_HAS(error_for(one_tensor(R"("dtype":"F32","shape":[1],"data_offsets":[0,4])"),
                               le_bytes<float>({1, 2})),
                     "bytes [4, 8)", "belong to no tensor", "'t'");
  EXPECT_MESSAGE_HAS(error_for("{}", "xx"), "bytes [0, 2)", "no tensors");
}

TEST_F(SafetensorsRead, DuplicateNamesAndFields) {
  const std::string header = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                             R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})";
  EXPECT_MESSAGE_HAS(error_for(header, le_bytes<float>({1, 2})), "tensor name 'a'",
                     "more than once");
  EXPECT_MESSAGE_HAS(
      error_for(one_tensor(R"("dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4])"),
                le_bytes<float>({1})),
      "key 'dtype'", "more than once", "'t'");
}

TEST_F(SafetensorsRead, NonFiniteValuesNameTheTensorAndTheElement) {
  const std::string header = one_tensor(R"("dtype":"F32","shape":[2,2],"data_offsets":[0,16])");
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_MESSAGE_HAS(error_for(header, le_bytes<float>({0, 1, 2, std::nanf("")})), "'t'",
                     "non-finite", "element 3", "[1, 1]");
  EXPECT_MESSAGE_HAS(error_for(header, le_bytes<float>({0, -inf, 2, 3})), "'t'", "non-finite",
                     "-inf", "element 1", "[0, 1]");
  EXPECT_MESSAGE_HAS(error_for(one_tensor(R"("dtype":"F16","shape":[2],"data_offsets":[0,4])"),
                               le_bytes<std::uint16_t>({0x3c00, 0x7c00})),
                     "'t'", "non-finite", "element 1");
}

TEST_F(SafetensorsRead, MetadataMustMapStringsToStrings) {
  EXPECT_MESSAGE_HAS(error_for(R"({"__metadata__":[1]})", ""), "__metadata__", "array");
  EXPECT_MESSAGE_HAS(error_for(R"({"__metadata__":{"epochs":3}})", ""), "__metadata__", "'epochs'",
                     "number", "not a string");
}

TEST_F(SafetensorsRead, AcceptsPaddedHeaderAndZeroSizeTensors) {
  std::string header = R"(  {"e":{"dtype":"F32","shape":[3,0],"data_offsets":[0,0]},)"
                       R"("t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  header += "       ";
  write_bytes(path_, safetensors_bytes(header, le_bytes<float>({2.5f})));
  const SafetensorsFile file = read_safetensors(path_);
  ASSERT_EQ(file.entries.size(), 2u);
  EXPECT_EQ(file.find("e")->shape, (std::vector<Index>{3, 0}));
  EXPECT_EQ(file.find("e")->tensor.numel(), 0);
  EXPECT_EQ(file.find("t")->tensor.item(), 2.5f);
}

TEST_F(SafetensorsRead, ConvertsF64F16AndBF16ToFloat32) {
  const std::string header = R"({"bf":{"dtype":"BF16","shape":[3],"data_offsets":[0,6]},)"
                             R"("d":{"dtype":"F64","shape":[3],"data_offsets":[6,30]},)"
                             R"("h":{"dtype":"F16","shape":[2,3],"data_offsets":[30,42]}})";
  const std::string data =
      le_bytes<std::uint16_t>({0x3f80, 0xc040, 0x3e20}) +  // 1, -3, 0.15625
      le_bytes<double>({0.1, -1e-3, 1e30}) +               //
      le_bytes<std::uint16_t>({0x3c00, 0xc000, 0x3800, 0x0001, 0x7bff, 0x8000});
  write_bytes(path_, safetensors_bytes(header, data));
  const SafetensorsFile file = read_safetensors(path_);
  EXPECT_EQ(file.find("bf")->tensor.to_vector(), (std::vector<float>{1.0f, -3.0f, 0.15625f}));
  EXPECT_EQ(file.find("d")->tensor.to_vector(), (std::vector<float>{0.1f, -1e-3f, 1e30f}));
  EXPECT_EQ(file.find("h")->tensor.to_vector(),
            (std::vector<float>{1.0f, -2.0f, 0.5f, std::ldexp(1.0f, -24), 65504.0f, -0.0f}));
  EXPECT_EQ(file.find("h")->tensor.shape(), (Shape{2, 3}));

  EXPECT_MESSAGE_HAS(error_for(one_tensor(R"("dtype":"F64","shape":[1],"data_offsets":[0,8])"),
                               le_bytes<double>({1e300})),
                     "'t'", "does not fit in float32", "element 0");
}

// I64, as torch.tensor(n, dtype=torch.int64) is saved: read exactly (2^53 + 1 and the extremes
// are no float32 or float64 value), with the size checked against the shape like any dtype.
TEST_F(SafetensorsRead, ReadsI64Exactly) {
  const std::int64_t big = (std::int64_t{1} << 53) + 1;
  const std::int64_t lo = std::numeric_limits<std::int64_t>::min();
  const std::int64_t hi = std::numeric_limits<std::int64_t>::max();
  const std::string header = R"({"f":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                             R"("n":{"dtype":"I64","shape":[],"data_offsets":[4,12]},)"
                             R"("v":{"dtype":"I64","shape":[2,2],"data_offsets":[12,44]}})";
  const std::string data = le_bytes<float>({1.5f}) + le_bytes<std::int64_t>({big}) +
                           le_bytes<std::int64_t>({-1, lo, hi, (std::int64_t{1} << 24) + 1});
  write_bytes(path_, safetensors_bytes(header, data));
  const SafetensorsFile file = read_safetensors(path_);
  const SafetensorsEntry* n = file.find("n");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->dtype, SafetensorsDtype::kI64);
  EXPECT_EQ(n->shape, (std::vector<Index>{}));
  EXPECT_EQ(n->int64s, (std::vector<std::int64_t>{big}));
  EXPECT_FALSE(n->tensor.defined());
  EXPECT_EQ(file.find("v")->int64s,
            (std::vector<std::int64_t>{-1, lo, hi, (std::int64_t{1} << 24) + 1}));
  EXPECT_EQ(file.find("v")->numel(), 4);
  EXPECT_EQ(file.find("f")->dtype, SafetensorsDtype::kF32);
  EXPECT_TRUE(file.find("f")->int64s.empty());

  EXPECT_MESSAGE_HAS(error_for(one_tensor(R"("dtype":"I64","shape":[2],"data_offsets":[0,8])"),
                               le_bytes<std::int64_t>({1})),
                     "'t'", "8 bytes", "I64 needs 2 x 8 bytes");
}

TEST(Safetensors, I64EntriesRoundTripExactlyNextToF32Ones) {
  TempDir dir;
  const std::int64_t big = (std::int64_t{1} << 53) + 1;
  std::vector<SafetensorsEntry> entries = sample_entries();
  entries.push_back(SafetensorsEntry::int64("count", {}, {big}));
  entries.push_back(SafetensorsEntry::int64("counts", {3}, {0, -7, std::int64_t{1} << 62}));
  entries.push_back(SafetensorsEntry::int64("none", {0}, {}));
  write_safetensors(dir / "m.safetensors", entries);
  const SafetensorsFile file = read_safetensors(dir / "m.safetensors");
  ASSERT_EQ(file.entries.size(), entries.size());
  EXPECT_EQ(file.find("count")->int64s, (std::vector<std::int64_t>{big}));
  EXPECT_EQ(file.find("counts")->int64s, (std::vector<std::int64_t>{0, -7, std::int64_t{1} << 62}));
  EXPECT_EQ(file.find("counts")->shape, (std::vector<Index>{3}));
  EXPECT_EQ(file.find("none")->dtype, SafetensorsDtype::kI64);
  EXPECT_EQ(file.find("layer.weight")->tensor.to_vector(), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  // The header says I64, with 8 bytes a value.
  const std::string bytes = read_bytes(dir / "m.safetensors");
  EXPECT_NE(bytes.find(R"("count":{"dtype":"I64","shape":[],"data_offsets":[)"), std::string::npos);
}

TEST(Safetensors, WriteChecksI64Entries) {
  TempDir dir;
  const auto error_writing = [&](SafetensorsEntry e) {
    return error_of([&] { write_safetensors(dir / "m.safetensors", {std::move(e)}); });
  };
  EXPECT_MESSAGE_HAS(error_writing(SafetensorsEntry::int64("c", {2}, {1})), "'c'", "shape [2]",
                     "2 elements", "1 int64 values");
  SafetensorsEntry with_tensor = SafetensorsEntry::int64("c", {}, {1});
  with_tensor.tensor = Tensor::scalar(1);
  EXPECT_MESSAGE_HAS(error_writing(with_tensor), "'c'", "not in a float32 tensor");
  SafetensorsEntry f32_with_ints{"c", {}, Tensor::scalar(1)};
  f32_with_ints.int64s = {1};
  EXPECT_MESSAGE_HAS(error_writing(f32_with_ints), "'c'", "not in int64s");
  EXPECT_FALSE(std::filesystem::exists(dir / "m.safetensors"));
}

}  // namespace
}  // namespace lockstep
