// src/core/binary_file.hpp — internal: the one home of the library's helpers for binary files.
// A read-only descriptor and what fstat says of it, positioned reads that retry after EINTR,
// little- and big-endian integer loads and stores, a read-only file whose header is read with
// pread and checked before the whole file is memory-mapped, the conversion of stored numbers
// (any byte order) to float, and the overflow-checked size of a stored array. Used by the .npy
// and IDX readers, the .npy writer, safetensors and AtomicFile; callers word their own messages.
//
//   detail::Fd fd = detail::open_read_only(path);
//   unsigned char length[8];
//   if (fd.get() < 0 || !detail::read_at(fd.get(), length, 8, 0)) ... detail::errno_text() ...
//   const auto n = detail::load_le<std::uint64_t>(length);
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace lockstep::detail {

/// strerror(errno), for messages.
std::string errno_text();

/// Owns a file descriptor (-1: none) and closes it.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) Fd(std::exchange(fd_, other.release()));  // closes the old one
    return *this;
  }
  ~Fd();
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

/// Opens `path` read-only without blocking (O_RDONLY | O_NONBLOCK | O_CLOEXEC), so that a FIFO
/// or a device cannot stall the open; get() is -1, errno set, when it cannot. Check the kind
/// with stat_file before reading (or use open_regular_file).
Fd open_read_only(const std::string& path);

enum class FileKind { kRegular, kDirectory, kOther };
/// fstat of `fd`: its kind and size; false (errno set) when fstat fails.
bool stat_file(int fd, FileKind& kind, std::uint64_t& size);

/// A regular file opened for reading, and its size when it was opened.
struct RegularFile {
  Fd fd;
  std::uint64_t size = 0;
};
/// The one way the library opens a file to read it: opens `path` without blocking, fstats the
/// descriptor and refuses anything that is not a regular file (a directory, FIFO, socket or
/// device, also through a symbolic link). Throws "<what> '<path>': ..." naming the file.
RegularFile open_regular_file(const std::string& path, std::string_view what);
/// The whole content of the regular file `path` (open_regular_file, then one read); throws
/// naming `what` and the file, also when the file holds more than `max_bytes`.
std::string read_regular_file(const std::string& path, std::string_view what,
                              std::uint64_t max_bytes = std::uint64_t{1} << 34);

/// Reads exactly `count` bytes at `offset`; false (errno set, 0 at end of file) otherwise.
bool read_at(int fd, void* out, std::uint64_t count, std::uint64_t offset);

/// The unsigned integer U stored little-endian (or big-endian) at `p`, any alignment.
template <class U>
U load_le(const unsigned char* p) {
  U v = 0;
  for (std::size_t i = 0; i < sizeof(U); ++i) v |= static_cast<U>(p[i]) << (8 * i);
  return v;
}
template <class U>
U load_be(const unsigned char* p) {
  U v = 0;
  for (std::size_t i = 0; i < sizeof(U); ++i) v = static_cast<U>((v << 8) | p[i]);
  return v;
}
/// Stores `v` little-endian at `p`.
template <class U>
void store_le(U v, unsigned char* p) {
  for (std::size_t i = 0; i < sizeof(U); ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}

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
  bool mapped() const { return base_ != nullptr; }
  /// Reads exactly out.size() bytes at `offset`, from the mapping or (unmapped) with pread;
  /// safe from many threads. Throws naming the file and the offset.
  void read_data(std::uint64_t offset, std::span<unsigned char> out) const;

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

/// The size of a row-major array stored with `itemsize`-byte values: dims[0] rows of the other
/// dimensions' product. Throws `overflow` when its byte count overflows 64 bits.
struct ArraySize {
  std::uint64_t row_values = 1;  // values per row
  std::uint64_t bytes = 0;       // of the whole array
};
ArraySize array_size(std::span<const std::int64_t> dims, std::uint64_t itemsize,
                     const std::string& overflow);

}  // namespace lockstep::detail
