// src/data/binary_file.hpp — internal: a read-only file whose header is read with pread and
// checked before the whole file is memory-mapped, and the conversion of stored numbers
// (any byte order) to float. Shared by the .npy and IDX readers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace lockstep::detail {

class MappedFile {
 public:
  /// Opens `path` read-only and learns its size; throws naming the path.
  explicit MappedFile(std::string path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::string& path() const { return path_; }
  std::uint64_t size() const { return size_; }
  /// Reads exactly out.size() bytes at `offset` (before mapping); throws naming the offset.
  void read(std::uint64_t offset, std::span<unsigned char> out) const;
  /// Maps the whole file read-only and closes the descriptor. Call once the header checks
  /// have shown that the data fits in the file.
  void map();
  /// The mapped bytes (after map()).
  const unsigned char* data() const { return static_cast<const unsigned char*>(base_); }

 private:
  std::string path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
  void* base_ = nullptr;
};

enum class Scalar { kUInt8, kInt8, kInt16, kInt32, kInt64, kFloat32, kFloat64 };

std::size_t scalar_size(Scalar type);
/// "uint8", "float32", ...
const char* scalar_name(Scalar type);

/// Converts `count` values of `type`, stored in the given byte order at `src` (any alignment),
/// to float, dividing each by `divisor` when it is not 1.
void convert_to_float(const unsigned char* src, Scalar type, bool big_endian, std::size_t count,
                      float* dst, float divisor = 1.0f);

/// a * b, throwing `what` when the product overflows 64 bits.
std::uint64_t checked_mul(std::uint64_t a, std::uint64_t b, const std::string& what);

}  // namespace lockstep::detail
