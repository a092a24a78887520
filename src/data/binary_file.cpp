#include "data/binary_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>

#include "lockstep/core/error.hpp"

namespace lockstep::detail {

MappedFile::MappedFile(std::string path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  LOCKSTEP_CHECK(fd_ >= 0, "cannot open '", path_, "': ", std::strerror(errno));
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    const int err = errno;
    ::close(fd_);
    fd_ = -1;
    LOCKSTEP_CHECK(false, "cannot stat '", path_, "': ", std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    LOCKSTEP_CHECK(false, "'", path_, "' is not a regular file");
  }
  size_ = static_cast<std::uint64_t>(st.st_size);
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
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t got =
        ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) continue;
    LOCKSTEP_CHECK(got > 0, "'", path_, "': cannot read ", out.size(), " bytes at byte offset ",
                   offset, ": ", got < 0 ? std::strerror(errno) : "unexpected end of file");
    done += static_cast<std::size_t>(got);
  }
}

void MappedFile::map() {
  LOCKSTEP_CHECK(base_ == nullptr && fd_ >= 0, "'", path_, "' is already mapped");
  LOCKSTEP_CHECK(size_ > 0, "'", path_, "': cannot map an empty file");
  void* p = ::mmap(nullptr, static_cast<std::size_t>(size_), PROT_READ, MAP_SHARED, fd_, 0);
  LOCKSTEP_CHECK(p != MAP_FAILED, "cannot map '", path_, "' (", size_,
                 " bytes): ", std::strerror(errno));
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

std::uint64_t checked_mul(std::uint64_t a, std::uint64_t b, const std::string& what) {
  std::uint64_t out = 0;
  LOCKSTEP_CHECK(!__builtin_mul_overflow(a, b, &out), what);
  return out;
}

}  // namespace lockstep::detail
