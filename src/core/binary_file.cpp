// Binary-file helpers (core/binary_file.hpp): descriptors, positioned reads, the mapped
// read-only file, and stored numbers converted to float.
#include "core/binary_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>

#include "lockstep/core/error.hpp"

namespace lockstep::detail {

std::string errno_text() { return std::strerror(errno); }

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

Fd open_read_only(const std::string& path) {
  return Fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
}

RegularFile open_regular_file(const std::string& path, std::string_view what) {
  RegularFile file;
  file.fd = open_read_only(path);
  LOCKSTEP_CHECK(file.fd.get() >= 0, what, " '", path, "': cannot open: ", errno_text());
  FileKind kind = FileKind::kOther;
  LOCKSTEP_CHECK(stat_file(file.fd.get(), kind, file.size), what, " '", path,
                 "': cannot stat: ", errno_text());
  LOCKSTEP_CHECK(kind != FileKind::kDirectory, what, " '", path,
                 "' is a directory, not a regular file");
  LOCKSTEP_CHECK(kind == FileKind::kRegular, what, " '", path,
                 "' is not a regular file (a FIFO, socket or device cannot be read)");
  return file;
}

std::string read_regular_file(const std::string& path, std::string_view what,
                              std::uint64_t max_bytes) {
  const RegularFile file = open_regular_file(path, what);
  LOCKSTEP_CHECK(file.size <= max_bytes, what, " '", path, "' has ", file.size,
                 " bytes, more than the limit of ", max_bytes);
  std::string bytes(static_cast<std::size_t>(file.size), '\0');
  LOCKSTEP_CHECK(read_at(file.fd.get(), bytes.data(), file.size, 0), what, " '", path,
                 "': cannot read ", file.size,
                 " bytes: ", errno ? errno_text() : "the file is shorter than it was");
  return bytes;
}

bool stat_file(int fd, FileKind& kind, std::uint64_t& size) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return false;
  kind = S_ISREG(st.st_mode)   ? FileKind::kRegular
         : S_ISDIR(st.st_mode) ? FileKind::kDirectory
                               : FileKind::kOther;
  size = static_cast<std::uint64_t>(st.st_size);
  return true;
}

bool read_at(int fd, void* out, std::uint64_t count, std::uint64_t offset) {
  auto* p = static_cast<unsigned char*>(out);
  while (count > 0) {
    const std::size_t chunk = static_cast<std::size_t>(std::min<std::uint64_t>(count, 1u << 30));
    const ssize_t n = ::pread(fd, p, chunk, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = 0;
      return false;
    }
    p += n;
    offset += static_cast<std::uint64_t>(n);
    count -= static_cast<std::uint64_t>(n);
  }
  return true;
}

MappedFile::MappedFile(std::string path) : path_(std::move(path)) {
  RegularFile file = open_regular_file(path_, "cannot read");
  size_ = file.size;
  fd_ = file.fd.release();
}

MappedFile::~MappedFile() {
  if (base_ != nullptr) ::munmap(base_, static_cast<std::size_t>(size_));
  if (fd_ >= 0) ::close(fd_);
}

void MappedFile::read(std::uint64_t offset, std::span<unsigned char> out) const {
  LOCKSTEP_CHECK(fd_ >= 0, "'", path_, "': read after the file was mapped");
  LOCKSTEP_CHECK(offset <= size_ && out.size() <= size_ - offset, "'", path_,
                 "': the file ends at byte ", size_, ", before the ", out.size(),
                 " bytes expected at byte offset ", offset);
  LOCKSTEP_CHECK(read_at(fd_, out.data(), out.size(), offset), "'", path_, "': cannot read ",
                 out.size(), " bytes at byte offset ", offset, ": ",
                 errno ? errno_text() : "unexpected end of file");
}

void MappedFile::read_data(std::uint64_t offset, std::span<unsigned char> out) const {
  if (base_ == nullptr) return read(offset, out);
  LOCKSTEP_CHECK(offset <= size_ && out.size() <= size_ - offset, "'", path_,
                 "': the file ends at byte ", size_, ", before the ", out.size(),
                 " bytes expected at byte offset ", offset);
  std::memcpy(out.data(), data() + offset, out.size());
}

void MappedFile::map() {
  LOCKSTEP_CHECK(base_ == nullptr && fd_ >= 0, "'", path_, "' is already mapped");
  LOCKSTEP_CHECK(size_ > 0, "'", path_, "': cannot map an empty file");
  void* p = ::mmap(nullptr, static_cast<std::size_t>(size_), PROT_READ, MAP_SHARED, fd_, 0);
  LOCKSTEP_CHECK(p != MAP_FAILED, "cannot map '", path_, "' (", size_, " bytes): ", errno_text());
  base_ = p;
  ::close(fd_);
  fd_ = -1;
}

std::size_t scalar_size(Scalar type) {
  switch (type) {
    case Scalar::kUInt8:
    case Scalar::kInt8:
      return 1;
    case Scalar::kInt16:
      return 2;
    case Scalar::kInt32:
    case Scalar::kFloat32:
      return 4;
    case Scalar::kInt64:
    case Scalar::kFloat64:
      return 8;
  }
  return 0;
}

const char* scalar_name(Scalar type) {
  switch (type) {
    case Scalar::kUInt8:
      return "uint8";
    case Scalar::kInt8:
      return "int8";
    case Scalar::kInt16:
      return "int16";
    case Scalar::kInt32:
      return "int32";
    case Scalar::kInt64:
      return "int64";
    case Scalar::kFloat32:
      return "float32";
    case Scalar::kFloat64:
      return "float64";
  }
  return "?";
}

namespace {

template <class U>
U byteswap(U v) {
  U out = 0;
  for (std::size_t i = 0; i < sizeof(U); ++i) {
    out = static_cast<U>((out << 8) | ((v >> (8 * i)) & 0xFF));
  }
  return out;
}

// Bits → T for a stored value of the unsigned type U of the same width.
template <class T, class U>
void convert(const unsigned char* src, bool swap, std::size_t count, float* dst, float divisor) {
  static_assert(sizeof(T) == sizeof(U));
  for (std::size_t i = 0; i < count; ++i) {
    U bits;
    std::memcpy(&bits, src + i * sizeof(U), sizeof(U));
    if (swap) bits = byteswap(bits);
    dst[i] = static_cast<float>(std::bit_cast<T>(bits));
  }
  if (divisor != 1.0f) {
    for (std::size_t i = 0; i < count; ++i) dst[i] /= divisor;
  }
}

}  // namespace

void convert_to_float(const unsigned char* src, Scalar type, bool big_endian, std::size_t count,
                      float* dst, float divisor) {
  const bool swap = big_endian != (std::endian::native == std::endian::big);
  switch (type) {
    case Scalar::kUInt8:
      return convert<std::uint8_t, std::uint8_t>(src, false, count, dst, divisor);
    case Scalar::kInt8:
      return convert<std::int8_t, std::uint8_t>(src, false, count, dst, divisor);
    case Scalar::kInt16:
      return convert<std::int16_t, std::uint16_t>(src, swap, count, dst, divisor);
    case Scalar::kInt32:
      return convert<std::int32_t, std::uint32_t>(src, swap, count, dst, divisor);
    case Scalar::kInt64:
      return convert<std::int64_t, std::uint64_t>(src, swap, count, dst, divisor);
    case Scalar::kFloat32:
      return convert<float, std::uint32_t>(src, swap, count, dst, divisor);
    case Scalar::kFloat64:
      return convert<double, std::uint64_t>(src, swap, count, dst, divisor);
  }
}

namespace {
// a * b, throwing `what` when the product overflows 64 bits.
std::uint64_t checked_mul(std::uint64_t a, std::uint64_t b, const std::string& what) {
  std::uint64_t out = 0;
  LOCKSTEP_CHECK(!__builtin_mul_overflow(a, b, &out), what);
  return out;
}
}  // namespace

ArraySize array_size(std::span<const std::int64_t> dims, std::uint64_t itemsize,
                     const std::string& overflow) {
  ArraySize size;
  for (std::size_t i = 1; i < dims.size(); ++i) {
    size.row_values = checked_mul(size.row_values, static_cast<std::uint64_t>(dims[i]), overflow);
  }
  const std::uint64_t row_bytes = checked_mul(size.row_values, itemsize, overflow);
  size.bytes = checked_mul(row_bytes, static_cast<std::uint64_t>(dims[0]), overflow);
  return size;
}

}  // namespace lockstep::detail
