// lockstep/data/npy.hpp — NumPy .npy files: read one row (or run of rows) at a time, so a data
// set larger than memory trains in constant memory; small files load into a Tensor; tensors
// save as .npy (for numpy, and for tests).
//
// A file up to NpyReadOptions::map_limit (256 MiB) is read through a memory map. A larger one
// is read with pread: its pages stay in the kernel's page cache, not in the process, so the
// process's memory is bounded whatever the file's size (a mapping would grow the resident set
// toward the whole file: shuffled reads touch every page, and dropping them costs a page fault
// per row, measured 4x slower than pread).
//
// Read: format versions 1.0, 2.0 and 3.0; little-endian float32 ('<f4'), float64 ('<f8'),
// int32 ('<i4'), int64 ('<i8') and uint8 ('|u1'); C order. A 1-D array of n values is seen as
// [n, 1]; a 2-D array [n, d] as is; higher dimensions are flattened per sample, [n, a, b] →
// [n, a*b] (C order keeps each sample contiguous). Values convert to float32 as numpy's
// astype(np.float32) would (round to nearest; float64 beyond float32's range becomes ±inf).
// Refused by name: big-endian dtypes ('>f4'), Fortran order, object ('|O') and structured
// arrays, .npz archives. The header is read and checked — shape × itemsize must equal the data
// in the file — before anything is mapped or allocated; every error names the file and the
// header field or byte offset:
//   "x.npy: header field 'descr': big-endian dtype '>f4' is not supported; ..."
//
//   lockstep::save_npy("X.npy", X);                       // atomic: temp file + rename
//   lockstep::Tensor X2 = lockstep::load_npy("X.npy");    // small files
//   auto ds = std::make_shared<lockstep::NpyDataset>("X.npy", "y.npy");  // mapped, streaming
//   // in numpy: np.save("X.npy", X.astype(np.float32)); np.save("y.npy", y)
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "lockstep/data/dataset.hpp"
#include "lockstep/tensor/tensor.hpp"

namespace lockstep {

namespace detail {
class MappedFile;
}

enum class NpyDType { kFloat32, kFloat64, kInt32, kInt64, kUInt8 };

struct NpyReadOptions {
  /// Files up to this many bytes are mapped; larger ones are read with pread.
  std::uint64_t map_limit = std::uint64_t(256) << 20;
};

/// An open .npy file. Copies share the mapping (or descriptor); reading is safe from many
/// threads.
class NpyArray {
 public:
  /// Reads and checks the header, then maps the file read-only (up to options.map_limit).
  explicit NpyArray(const std::filesystem::path& path, NpyReadOptions options = {});

  const std::string& path() const { return path_; }
  NpyDType dtype() const { return dtype_; }
  /// The header's descr, e.g. "<f4".
  const std::string& descr() const { return descr_; }
  /// The header's shape.
  const std::vector<Index>& shape() const { return shape_; }
  /// (major, minor) format version.
  std::pair<int, int> version() const { return version_; }
  /// Where the data starts in the file.
  std::uint64_t data_offset() const { return data_offset_; }
  /// Whether rows are read through a mapping (else with pread).
  bool mapped() const;

  /// The array seen as a matrix: shape[0] rows (1-D: n rows of 1).
  Index rows() const { return rows_; }
  Index cols() const { return cols_; }

  /// Converts rows [begin, begin + count) to float into `out` (count * cols() floats).
  void read_rows(Index begin, Index count, std::span<float> out) const;
  void read_row(Index row, std::span<float> out) const { read_rows(row, 1, out); }
  /// The whole array as a [rows, cols] float tensor (allocates rows * cols floats).
  Tensor to_tensor() const;

 private:
  std::shared_ptr<const detail::MappedFile> file_;
  std::string path_;
  std::string descr_;
  NpyDType dtype_ = NpyDType::kFloat32;
  std::vector<Index> shape_;
  std::pair<int, int> version_{1, 0};
  std::uint64_t data_offset_ = 0;
  Index rows_ = 0, cols_ = 0;
};

/// A map-style dataset over a features .npy and an optional labels .npy (same number of rows),
/// converting sample i to float in get(i). Without labels, target_dim() is 0.
class NpyDataset : public Dataset {
 public:
  explicit NpyDataset(const std::filesystem::path& features,
                      const std::filesystem::path& labels = {});

  Index size() const override { return features_.rows(); }
  Index feature_dim() const override { return features_.cols(); }
  Index target_dim() const override { return labels_ ? labels_->cols() : 0; }
  void get(Index index, std::span<float> x, std::span<float> y) const override;
  using Dataset::get;

  const NpyArray& features() const { return features_; }
  const std::optional<NpyArray>& labels() const { return labels_; }

 private:
  NpyArray features_;
  std::optional<NpyArray> labels_;
};

/// The whole file as a [rows, cols] tensor.
Tensor load_npy(const std::filesystem::path& path);

/// Writes `tensor` as a 2-D '<f4' array (format 1.0, C order), atomically: to a temporary file
/// in the same directory, then renamed over `path`.
void save_npy(const std::filesystem::path& path, const Tensor& tensor);

}  // namespace lockstep
