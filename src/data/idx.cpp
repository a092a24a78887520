#include "lockstep/data/idx.hpp"

#include <array>
#include <limits>

#include "core/binary_file.hpp"
#include "lockstep/core/error.hpp"

namespace lockstep {
namespace {

const char* type_name(IdxType t) {
  switch (t) {
    case IdxType::kUInt8:
      return "ubyte";
    case IdxType::kInt8:
      return "sbyte";
    case IdxType::kInt16:
      return "short";
    case IdxType::kInt32:
      return "int";
    case IdxType::kFloat32:
      return "float";
    case IdxType::kFloat64:
      return "double";
  }
  return "?";
}

detail::Scalar type_scalar(IdxType t) {
  switch (t) {
    case IdxType::kUInt8:
      return detail::Scalar::kUInt8;
    case IdxType::kInt8:
      return detail::Scalar::kInt8;
    case IdxType::kInt16:
      return detail::Scalar::kInt16;
    case IdxType::kInt32:
      return detail::Scalar::kInt32;
    case IdxType::kFloat32:
      return detail::Scalar::kFloat32;
    case IdxType::kFloat64:
      return detail::Scalar::kFloat64;
  }
  return detail::Scalar::kUInt8;
}

std::string dims_text(const std::vector<Index>& dims) {
  std::string out;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (i) out += " x ";
    out += std::to_string(dims[i]);
  }
  return out;
}

}  // namespace

IdxArray::IdxArray(const std::filesystem::path& path) : path_(path.string()) {
  auto file = std::make_shared<detail::MappedFile>(path_);
  const std::uint64_t size = file->size();
  std::array<unsigned char, 4> magic{};
  const std::size_t have = static_cast<std::size_t>(std::min<std::uint64_t>(size, 4));
  file->read(0, std::span(magic.data(), have));
  LOCKSTEP_CHECK(!(have >= 2 && magic[0] == 0x1f && magic[1] == 0x8b), path_,
                 ": the file is gzip-compressed; decompress it first (gunzip)");
  LOCKSTEP_CHECK(have == 4, path_, ": too short for an IDX header (", size,
                 " bytes; the magic number alone is 4)");
  LOCKSTEP_CHECK(magic[0] == 0 && magic[1] == 0, path_,
                 ": not an IDX file: bytes 0-1 of the magic number must be zero, got 0x", std::hex,
                 int{magic[0]}, " 0x", int{magic[1]});
  const int code = magic[2];
  LOCKSTEP_CHECK(
      code == 0x08 || code == 0x09 || code == 0x0B || code == 0x0C || code == 0x0D || code == 0x0E,
      path_, ": byte 2: unknown IDX type code 0x", std::hex, code,
      " (known: 0x08 ubyte, 0x09 sbyte, 0x0b short, 0x0c int, 0x0d float, "
      "0x0e double)");
  type_ = static_cast<IdxType>(code);
  const std::uint64_t ndims = magic[3];
  LOCKSTEP_CHECK(ndims >= 1, path_, ": byte 3: the number of dimensions is 0");
  const std::uint64_t header = 4 + 4 * ndims;
  LOCKSTEP_CHECK(header <= size, path_, ": byte 3 says ", ndims,
                 " dimensions, whose sizes need bytes 4-", header - 1, ", but the file has only ",
                 size, " bytes");
  std::vector<unsigned char> raw(static_cast<std::size_t>(4 * ndims));
  file->read(4, raw);
  const detail::Scalar scalar = type_scalar(type_);
  const std::uint64_t itemsize = detail::scalar_size(scalar);
  dims_.resize(static_cast<std::size_t>(ndims));
  for (std::size_t d = 0; d < dims_.size(); ++d) {
    dims_[d] = Index{detail::load_be<std::uint32_t>(raw.data() + 4 * d)};
  }
  const std::string overflow =
      detail::str_cat(path_, ": dimensions ", dims_text(dims_), " are too large (overflow)");
  const auto [row_values, nbytes] = detail::array_size(dims_, itemsize, overflow);
  const std::uint64_t available = size - header;
  LOCKSTEP_CHECK(nbytes <= available, path_, ": the header (", dims_text(dims_), " ",
                 type_name(type_), ") needs ", nbytes, " bytes of data from byte offset ", header,
                 ", but the file has only ", available, " there (it is ", size, " bytes long)");
  LOCKSTEP_CHECK(nbytes == available, path_, ": the header (", dims_text(dims_), " ",
                 type_name(type_), ") needs ", nbytes, " bytes of data from byte offset ", header,
                 ", but the file has ", available - nbytes, " more bytes after them");
  LOCKSTEP_CHECK(row_values <= static_cast<std::uint64_t>(std::numeric_limits<Index>::max()),
                 overflow);
  data_offset_ = header;
  rows_ = dims_[0];
  cols_ = static_cast<Index>(row_values);
  // Items of no values would be samples of nothing, and cost nothing to declare by the billion.
  LOCKSTEP_CHECK(rows_ == 0 || cols_ > 0, path_, ": dimensions ", dims_text(dims_),
                 " give each of its ", rows_, " items no values (a sample needs at least one)");
  file->map();
  file_ = std::move(file);
}

void IdxArray::read_rows(Index begin, Index count, std::span<float> out, bool scale) const {
  LOCKSTEP_CHECK(begin >= 0 && count >= 0 && begin <= rows_ - count, path_, ": items [", begin,
                 ", ", begin + count, ") are out of range for ", rows_, " items");
  LOCKSTEP_CHECK(static_cast<Index>(out.size()) == count * cols_, path_, ": a buffer of ",
                 out.size(), " floats for ", count, " items of ", cols_);
  LOCKSTEP_CHECK(!scale || type_ == IdxType::kUInt8, path_,
                 ": scaling to [0, 1] needs ubyte values, the file holds ", type_name(type_));
  if (count == 0 || cols_ == 0) return;
  const detail::Scalar scalar = type_scalar(type_);
  const unsigned char* src = file_->data() + data_offset_ +
                             static_cast<std::uint64_t>(begin) * static_cast<std::uint64_t>(cols_) *
                                 detail::scalar_size(scalar);
  detail::convert_to_float(src, scalar, /*big_endian=*/true, out.size(), out.data(),
                           scale ? 255.0f : 1.0f);
}

Tensor IdxArray::to_tensor(bool scale) const {
  LOCKSTEP_CHECK(!scale || type_ == IdxType::kUInt8, path_,
                 ": scaling to [0, 1] needs ubyte values, the file holds ", type_name(type_));
  Tensor t(Shape{rows_, cols_});
  read_rows(0, rows_, t.span(), scale);
  return t;
}

IdxDataset::IdxDataset(const std::filesystem::path& images, const std::filesystem::path& labels,
                       IdxOptions options)
    : images_(images), labels_(labels), options_(options) {
  LOCKSTEP_CHECK(images_.rows() == labels_.rows(), "IdxDataset: images '", images_.path(),
                 "' hold ", images_.rows(), " items but labels '", labels_.path(), "' hold ",
                 labels_.rows());
  LOCKSTEP_CHECK(!options_.scale || images_.type() == IdxType::kUInt8, images_.path(),
                 ": scaling to [0, 1] needs ubyte values, the file holds ",
                 type_name(images_.type()));
}

void IdxDataset::get(Index index, std::span<float> x, std::span<float> y) const {
  LOCKSTEP_CHECK(index >= 0 && index < size(), "IdxDataset '", images_.path(), "': index ", index,
                 " is out of range for ", size(), " items");
  LOCKSTEP_CHECK(
      static_cast<Index>(x.size()) == feature_dim() && static_cast<Index>(y.size()) == target_dim(),
      "IdxDataset::get: buffers of ", x.size(), " and ", y.size(), " floats for a sample of ",
      feature_dim(), " and ", target_dim());
  images_.read_rows(index, 1, x, options_.scale);
  labels_.read_rows(index, 1, y);
}

Tensor load_idx(const std::filesystem::path& path, bool scale) {
  return IdxArray(path).to_tensor(scale);
}

std::shared_ptr<TensorDataset> load_idx_dataset(const std::filesystem::path& images,
                                                const std::filesystem::path& labels,
                                                IdxOptions options) {
  const IdxDataset ds(images, labels, options);
  return std::make_shared<TensorDataset>(ds.images().to_tensor(options.scale),
                                         ds.labels().to_tensor());
}

}  // namespace lockstep
