// src/data/gzip.hpp — internal: a gzip stream (RFC 1952, one or more members) decompressed with
// zlib from bytes in memory, read front to back in pieces, with errors that name the file and
// the compressed and decompressed byte offsets. The IDX reader uses it for *.gz files; the
// caller bounds what it asks for (the stream itself never sizes a buffer).
//
//   detail::GzipStream gz(mapped_bytes, "train-images-idx3-ubyte.gz");
//   unsigned char header[4];
//   if (gz.read(header, 4) < 4) ... "the decompressed data ends after gz.out_offset() bytes"
//   ... gz.read(buffer, n) ...
//   if (!gz.finish()) ... "more data than the header declares"   // CRCs checked too
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace lockstep::detail {

/// True when `bytes` begin with the gzip magic number 0x1f 0x8b.
bool is_gzip(std::span<const unsigned char> bytes);

/// The most a gzip stream of `compressed_bytes` can decompress to: deflate cannot do better
/// than 1032:1 (a 258-byte match per 2 bits), so a header that declares more is a lie that is
/// refused before anything is allocated.
std::uint64_t gzip_max_decompressed(std::uint64_t compressed_bytes);

class GzipStream {
 public:
  /// `compressed` must outlive the stream; `path` names the file in errors.
  GzipStream(std::span<const unsigned char> compressed, std::string path);
  ~GzipStream();
  GzipStream(const GzipStream&) = delete;
  GzipStream& operator=(const GzipStream&) = delete;

  /// Decompresses up to `count` bytes into `out`; returns how many it wrote, fewer only where
  /// the stream (its last member) ends. Throws naming the file and offsets when the data is
  /// corrupt (a bad header, a bad block, a CRC-32 or length mismatch) or truncated.
  std::size_t read(unsigned char* out, std::size_t count);
  /// Reads on to the end of the stream: true when no decompressed data was left (every
  /// member complete, its CRC-32 and length checked, nothing after the last one), false when
  /// more data follows (one byte of it was read). Throws as read() does.
  bool finish();

  /// Compressed bytes consumed so far (the byte offset in the file).
  std::uint64_t in_offset() const;
  /// Decompressed bytes produced so far.
  std::uint64_t out_offset() const { return out_total_; }

 private:
  struct State;
  std::unique_ptr<State> state_;
  std::span<const unsigned char> in_;
  std::string path_;
  std::uint64_t out_total_ = 0;
  bool ended_ = false;  // the last member's end was reached, nothing follows
};

}  // namespace lockstep::detail
