// gzip streams decompressed with zlib (data/gzip.hpp).
#include "data/gzip.hpp"

#include <zlib.h>

#include <algorithm>
#include <limits>
#include <new>

#include "lockstep/core/error.hpp"

namespace lockstep::detail {

namespace {
// zlib counts in 32-bit uInt: input and output go in pieces of at most this.
constexpr std::uint64_t kChunk = std::uint64_t{1} << 30;
// Deflate's best ratio: a 258-byte match costs at least 2 bits (RFC 1951; zlib's FAQ).
constexpr std::uint64_t kMaxRatio = 1032;
}  // namespace

bool is_gzip(std::span<const unsigned char> bytes) {
  return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

std::uint64_t gzip_max_decompressed(std::uint64_t compressed_bytes) {
  std::uint64_t out = 0;
  if (__builtin_mul_overflow(compressed_bytes, kMaxRatio, &out))
    return std::numeric_limits<std::uint64_t>::max();
  return out;
}

struct GzipStream::State {
  z_stream strm{};
  std::uint64_t fed = 0;  // input bytes handed to zlib so far
};

GzipStream::GzipStream(std::span<const unsigned char> compressed, std::string path)
    : state_(std::make_unique<State>()), in_(compressed), path_(std::move(path)) {
  // 15 + 16: a 32 KiB window, gzip wrapper only (a raw zlib or deflate stream is refused).
  const int rc = inflateInit2(&state_->strm, 15 + 16);
  if (rc == Z_MEM_ERROR) throw std::bad_alloc();
  LOCKSTEP_CHECK(rc == Z_OK, path_, ": cannot start gzip decompression (zlib error ", rc, ")");
}

GzipStream::~GzipStream() { inflateEnd(&state_->strm); }

std::uint64_t GzipStream::in_offset() const { return state_->fed - state_->strm.avail_in; }

std::size_t GzipStream::read(unsigned char* out, std::size_t count) {
  z_stream& s = state_->strm;
  std::size_t done = 0;
  while (done < count && !ended_) {
    if (s.avail_in == 0 && state_->fed < in_.size()) {
      const std::uint64_t n = std::min<std::uint64_t>(in_.size() - state_->fed, kChunk);
      // zlib's next_in is not const in every version; it never writes through it.
      s.next_in = const_cast<Bytef*>(in_.data() + state_->fed);
      s.avail_in = static_cast<uInt>(n);
      state_->fed += n;
    }
    const std::uint64_t room = std::min<std::uint64_t>(count - done, kChunk);
    s.next_out = out + done;
    s.avail_out = static_cast<uInt>(room);
    const std::uint64_t at_in = in_offset();
    const int rc = inflate(&s, Z_NO_FLUSH);
    const std::size_t produced = static_cast<std::size_t>(room - s.avail_out);
    done += produced;
    out_total_ += produced;
    if (rc == Z_STREAM_END) {
      // One member ends; another may follow (gzip a b > ab.gz), anything else may not.
      const std::uint64_t at = in_offset();
      if (at == in_.size()) {
        ended_ = true;
        break;
      }
      LOCKSTEP_CHECK(is_gzip(in_.subspan(at)), path_, ": ", in_.size() - at,
                     " bytes after the end of the gzip data at byte offset ", at,
                     " are not another gzip member (trailing garbage)");
      LOCKSTEP_CHECK(inflateReset(&s) == Z_OK, path_, ": cannot restart gzip decompression");
      continue;
    }
    if (rc == Z_MEM_ERROR) throw std::bad_alloc();
    if (rc == Z_OK || rc == Z_BUF_ERROR) {
      if (produced > 0 || in_offset() != at_in) continue;
      // No progress: zlib needs input that the file does not have.
      LOCKSTEP_CHECK(!(s.avail_in == 0 && state_->fed == in_.size()), path_,
                     ": the gzip data is truncated: the file ends at byte offset ", in_.size(),
                     " inside a compressed stream, after ", out_total_, " decompressed bytes");
      LOCKSTEP_CHECK(false, path_, ": gzip decompression made no progress at byte offset ", at_in);
    }
    LOCKSTEP_CHECK(false, path_, ": corrupt gzip data, found at byte offset ", in_offset(),
                   " (after ", out_total_,
                   " decompressed bytes): ", s.msg != nullptr ? s.msg : "zlib error",
                   " (zlib code ", rc, ")");
  }
  return done;
}

bool GzipStream::finish() {
  unsigned char extra = 0;
  return read(&extra, 1) == 0;
}

}  // namespace lockstep::detail
