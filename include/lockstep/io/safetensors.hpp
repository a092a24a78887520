// lockstep/io/safetensors.hpp — reading and writing tensors in the safetensors format.
//
// A safetensors file (the format of Hugging Face's `safetensors` library) is an 8-byte
// little-endian header length N, N bytes of JSON mapping each tensor's name to its dtype, shape
// and byte range ("data_offsets", relative to the end of the header), an optional
// "__metadata__" object of string -> string, then the raw little-endian data. PyTorch reads and
// writes it with safetensors.torch.load_file / save_file.
//
// write_safetensors() writes float32 ("F32") tensors, and 64-bit integer ("I64") entries such as
// step counts (what torch.tensor(n, dtype=torch.int64) saves as), sorted by name, as the Python
// library does,
// with the header padded with spaces to a multiple of 8 bytes, so the same entries always give
// the same bytes. The write is atomic: the file is written to a temporary file in the same
// directory, flushed, fsync'ed and renamed over the target, so a reader sees either the old file
// or the complete new one; on failure the temporary file is removed and an existing file is left
// as it was.
//
// read_safetensors() trusts nothing in the file: every inconsistency (truncation, a header
// length past the end of the file, invalid JSON, unsupported dtypes, bad shapes or offsets,
// overlaps, gaps, duplicate names, NaN/Inf values) is a lockstep::Error naming the file and the
// tensor or field at fault. F32 is read as is; F64, F16 and BF16 are converted to float32; I64 is
// read exactly into SafetensorsEntry::int64s (any int64 value is valid: what it may hold is for
// its reader to check).
//
//   lockstep::write_safetensors("model.safetensors",
//                               {{"fc.weight", {16, 4}, w}, {"fc.bias", {16}, b}},
//                               {{"architecture", "\"mlp\""}});
//   lockstep::SafetensorsFile file = lockstep::read_safetensors("model.safetensors");
//   const lockstep::SafetensorsEntry* bias = file.find("fc.bias");   // shape {16}, 1x16 Tensor
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lockstep/tensor/tensor.hpp"

namespace lockstep {

/// How an entry's values are held: float32 in `tensor`, or int64 in `int64s`.
enum class SafetensorsDtype { kF32, kI64 };

/// One named tensor of a safetensors file.
struct SafetensorsEntry {
  std::string name;
  /// The tensor's shape in the file (any rank, e.g. {16} for a PyTorch bias); its product must
  /// equal tensor.numel().
  std::vector<Index> shape;
  /// The values, row-major. On reading, rank 0 gives a 1x1 tensor, rank 1 [n] a 1 x n row, and
  /// rank k >= 2 [d0, d1, ...] a d0 x (d1 * ...) tensor. Undefined for an I64 entry.
  Tensor tensor;
  /// kI64: the values are `int64s` (row-major, as many as the shape says), written and read as
  /// I64 exactly; `tensor` stays undefined.
  SafetensorsDtype dtype = SafetensorsDtype::kF32;
  std::vector<std::int64_t> int64s{};

  /// An I64 entry.
  static SafetensorsEntry int64(std::string name, std::vector<Index> shape,
                                std::vector<std::int64_t> values) {
    return {std::move(name), std::move(shape), Tensor(), SafetensorsDtype::kI64, std::move(values)};
  }
  /// The number of values, whatever the dtype.
  Index numel() const {
    return dtype == SafetensorsDtype::kI64 ? static_cast<Index>(int64s.size()) : tensor.numel();
  }
};

/// The "__metadata__" object: free-form string -> string pairs. lockstep's training program
/// stores "lockstep_version", "architecture", "standardize_mean", "standardize_std" and
/// "class_names" there, each value a JSON-encoded string (e.g. "[5.84, 3.05, 3.76, 1.2]").
using SafetensorsMetadata = std::map<std::string, std::string>;

/// The contents of a safetensors file.
struct SafetensorsFile {
  std::vector<SafetensorsEntry> entries;  // sorted by name
  SafetensorsMetadata metadata;

  /// The entry named `name`, or nullptr.
  const SafetensorsEntry* find(std::string_view name) const;
};

/// Writes `entries` (as F32, or I64 for kI64 entries) and `metadata` to `path` atomically.
/// Throws lockstep::Error, with `path` unchanged, for a bad entry (empty, duplicate or reserved
/// name, negative dimension, shape whose element count differs from the tensor's or the
/// int64s', an I64 entry with a tensor or an F32 entry with int64s, NaN/Inf value) or an I/O
/// failure.
void write_safetensors(const std::filesystem::path& path,
                       const std::vector<SafetensorsEntry>& entries,
                       const SafetensorsMetadata& metadata = {});

/// Reads and validates a whole safetensors file; throws lockstep::Error naming the file and the
/// tensor or field when anything is wrong with it.
SafetensorsFile read_safetensors(const std::filesystem::path& path);

}  // namespace lockstep
