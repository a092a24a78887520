// lockstep/data/idx.hpp — IDX files, the format of MNIST and Fashion-MNIST
// (train-images-idx3-ubyte, train-labels-idx1-ubyte, ...), read through a memory map.
//
// An IDX file is a big-endian header — two zero bytes, a type code (0x08 ubyte, 0x09 sbyte,
// 0x0B short, 0x0C int, 0x0D float, 0x0E double) and the number of dimensions — then each
// dimension as a big-endian 32-bit count, then the values, big-endian, in C order. Item i of
// an [n, rows, cols] images file is one row of rows*cols values: the file is seen as
// [n, rows*cols]; a 1-D labels file of n values as [n, 1]. The header is checked against the
// file's length before anything is mapped; errors name the file and the byte offset.
// Downloads come gzip-compressed (train-images-idx3-ubyte.gz): such a file, known by its magic
// bytes rather than its name, is decompressed into memory once with zlib. Its header is read
// first and its declared size checked against a limit (kMaxDecompressedBytes) and against what
// the compressed bytes can hold, so a tiny or lying .gz never makes the reader allocate much;
// truncated or corrupt gzip data (a bad CRC-32, trailing garbage) is an error naming the file
// and the byte offset.
//
//   auto train = std::make_shared<lockstep::IdxDataset>(
//       "train-images-idx3-ubyte", "train-labels-idx1-ubyte", lockstep::IdxOptions{.scale = true});
//   // train->size() == 60000, feature_dim() == 784 (pixels / 255), target_dim() == 1 (0..9)
//   lockstep::Tensor images = lockstep::load_idx("t10k-images-idx3-ubyte.gz", /*scale=*/true);
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "lockstep/data/dataset.hpp"
#include "lockstep/data/tensor_dataset.hpp"
#include "lockstep/tensor/tensor.hpp"

namespace lockstep {

enum class IdxType : std::uint8_t {
  kUInt8 = 0x08,
  kInt8 = 0x09,
  kInt16 = 0x0B,
  kInt32 = 0x0C,
  kFloat32 = 0x0D,
  kFloat64 = 0x0E,
};

/// An IDX file, mapped (or, gzip-compressed, decompressed into memory). Copies share the
/// bytes; reading is safe from many threads.
class IdxArray {
 public:
  /// The most a gzip-compressed file may decompress to (it is held in memory): 8 GiB.
  static constexpr std::uint64_t kMaxDecompressedBytes = std::uint64_t{1} << 33;

  /// Reads and checks the header against the file length, then maps the file read-only. A
  /// file that starts with the gzip magic bytes (0x1f 0x8b), whatever its name, is decompressed
  /// into memory once: its header first, checked against kMaxDecompressedBytes and against
  /// what the compressed bytes can hold, then the data, which must be exactly what the header
  /// declares, with every gzip member's CRC-32 and length right.
  explicit IdxArray(const std::filesystem::path& path);

  const std::string& path() const { return path_; }
  /// Whether the file was gzip-compressed.
  bool compressed() const { return compressed_; }
  IdxType type() const { return type_; }
  /// The dimensions from the header (dims()[0] items).
  const std::vector<Index>& dims() const { return dims_; }
  /// The file seen as a matrix: one row per item.
  Index rows() const { return rows_; }
  Index cols() const { return cols_; }

  /// Converts items [begin, begin + count) to float into `out` (count * cols() floats); with
  /// `scale`, divides by 255 (uint8 files only), mapping pixels to [0, 1].
  void read_rows(Index begin, Index count, std::span<float> out, bool scale = false) const;
  /// The whole file as a [rows, cols] tensor.
  Tensor to_tensor(bool scale = false) const;

 private:
  std::shared_ptr<const void> storage_;   // the mapping, or the decompressed bytes
  const unsigned char* bytes_ = nullptr;  // the whole file's content (header included)
  std::string path_;
  bool compressed_ = false;
  IdxType type_ = IdxType::kUInt8;
  std::vector<Index> dims_;
  std::uint64_t data_offset_ = 0;
  Index rows_ = 0, cols_ = 0;
};

struct IdxOptions {
  /// Divide the image values by 255, to [0, 1] (uint8 images only).
  bool scale = false;
};

/// Images and labels (same item count) as a map-style dataset converting item i in get(i).
class IdxDataset : public Dataset {
 public:
  IdxDataset(const std::filesystem::path& images, const std::filesystem::path& labels,
             IdxOptions options = {});

  Index size() const override { return images_.rows(); }
  Index feature_dim() const override { return images_.cols(); }
  Index target_dim() const override { return labels_.cols(); }
  void get(Index index, std::span<float> x, std::span<float> y) const override;
  using Dataset::get;

  const IdxArray& images() const { return images_; }
  const IdxArray& labels() const { return labels_; }

 private:
  IdxArray images_;
  IdxArray labels_;
  IdxOptions options_;
};

/// A whole IDX file as a [rows, cols] tensor.
Tensor load_idx(const std::filesystem::path& path, bool scale = false);

/// Images and labels loaded into memory as a TensorDataset.
std::shared_ptr<TensorDataset> load_idx_dataset(const std::filesystem::path& images,
                                                const std::filesystem::path& labels,
                                                IdxOptions options = {});

}  // namespace lockstep
