#include "lockstep/data/idx.hpp"

#include <algorithm>
#include <array>
#include <limits>

#include "core/binary_file.hpp"
#include "data/gzip.hpp"
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

namespace {

// What the header says, checked against itself (not yet against the data that follows it).
struct Header {
  IdxType type = IdxType::kUInt8;
  std::vector<Index> dims;
  std::uint64_t bytes = 0;       // the header's own length
  std::uint64_t row_values = 0;  // values per item
  std::uint64_t data_bytes = 0;  // of all items
  std::string overflow;          // the message for sizes that do not fit
  std::string text() const { return dims_text(dims) + " " + type_name(type); }
};

// Reads the header through `read(offset, out)`, which fills `out` from byte `offset` of the
// content and returns how many bytes it had (fewer only at the content's end). `content` names
// it in messages: "the file", or "the decompressed data" of a .gz file.
template <class Read>
Header read_header(const std::string& path, Read&& read, const char* content) {
  Header h;
  std::array<unsigned char, 4> magic{};
  const std::size_t have = read(0, std::span(magic));
  LOCKSTEP_CHECK(have == 4, path, ": too short for an IDX header (", content, " has ", have,
                 " bytes; the magic number alone is 4)");
  LOCKSTEP_CHECK(magic[0] == 0 && magic[1] == 0, path,
                 ": not an IDX file: bytes 0-1 of the magic number must be zero, got 0x", std::hex,
                 int{magic[0]}, " 0x", int{magic[1]});
  const int code = magic[2];
  LOCKSTEP_CHECK(
      code == 0x08 || code == 0x09 || code == 0x0B || code == 0x0C || code == 0x0D || code == 0x0E,
      path, ": byte 2: unknown IDX type code 0x", std::hex, code,
      " (known: 0x08 ubyte, 0x09 sbyte, 0x0b short, 0x0c int, 0x0d float, "
      "0x0e double)");
  h.type = static_cast<IdxType>(code);
  const std::uint64_t ndims = magic[3];
  LOCKSTEP_CHECK(ndims >= 1, path, ": byte 3: the number of dimensions is 0");
  h.bytes = 4 + 4 * ndims;
  std::vector<unsigned char> raw(static_cast<std::size_t>(4 * ndims));
  const std::size_t got = read(4, std::span(raw));
  LOCKSTEP_CHECK(got == raw.size(), path, ": byte 3 says ", ndims,
                 " dimensions, whose sizes need bytes 4-", h.bytes - 1, ", but ", content,
                 " has only ", 4 + got, " bytes");
  h.dims.resize(static_cast<std::size_t>(ndims));
  for (std::size_t d = 0; d < h.dims.size(); ++d) {
    h.dims[d] = Index{detail::load_be<std::uint32_t>(raw.data() + 4 * d)};
  }
  h.overflow =
      detail::str_cat(path, ": dimensions ", dims_text(h.dims), " are too large (overflow)");
  const auto [row_values, nbytes] =
      detail::array_size(h.dims, detail::scalar_size(type_scalar(h.type)), h.overflow);
  h.row_values = row_values;
  h.data_bytes = nbytes;
  return h;
}

// The checks of the items' shape, once the data is known to fit.
void check_items(const std::string& path, const Header& h) {
  LOCKSTEP_CHECK(h.row_values <= static_cast<std::uint64_t>(std::numeric_limits<Index>::max()),
                 h.overflow);
  // Items of no values would be samples of nothing, and cost nothing to declare by the billion.
  LOCKSTEP_CHECK(h.dims[0] == 0 || h.row_values > 0, path, ": dimensions ", dims_text(h.dims),
                 " give each of its ", h.dims[0], " items no values (a sample needs at least one)");
}

// A .gz file: the header is decompressed first and checked, against the limit and against what
// the compressed bytes can possibly hold, before the buffer for the data is sized; the buffer
// then grows only as fast as decompression fills it, so a lying header costs nothing.
Header read_gzip(const std::string& path, detail::MappedFile& file,
                 std::shared_ptr<const void>& storage, const unsigned char*& bytes) {
  file.map();
  const std::uint64_t size = file.size();
  detail::GzipStream gz(std::span(file.data(), static_cast<std::size_t>(size)), path);
  std::vector<unsigned char> head;  // the header's bytes, as decompressed
  Header h = read_header(
      path,
      [&](std::uint64_t offset, std::span<unsigned char> out) {
        LOCKSTEP_CHECK(offset == gz.out_offset(), path, ": internal: gzip read out of order");
        const std::size_t n = gz.read(out.data(), out.size());
        head.insert(head.end(), out.data(), out.data() + n);
        return n;
      },
      "the decompressed data");
  std::uint64_t total = 0;
  LOCKSTEP_CHECK(!__builtin_add_overflow(h.bytes, h.data_bytes, &total), h.overflow);
  LOCKSTEP_CHECK(total <= IdxArray::kMaxDecompressedBytes, path, ": the header (", h.text(),
                 ") declares ", total, " bytes in all, more than the limit of ",
                 IdxArray::kMaxDecompressedBytes,
                 " for a gzip-compressed IDX file (which is decompressed into memory); "
                 "decompress it (gunzip) to read it through a memory map");
  const std::uint64_t most = detail::gzip_max_decompressed(size);
  LOCKSTEP_CHECK(total <= most, path, ": the header (", h.text(), ") declares ", total,
                 " bytes in all, but ", size, " bytes of gzip data decompress to at most ", most,
                 " (deflate's ratio is at most 1032:1): the file is truncated or its header lies");
  check_items(path, h);
  const auto need = static_cast<std::size_t>(total);
  auto buffer = std::make_shared<std::vector<unsigned char>>(
      std::min<std::size_t>(need, std::max<std::size_t>(std::size_t{1} << 20, 4 * size)));
  std::copy(head.begin(), head.end(), buffer->begin());
  std::size_t filled = head.size();
  while (filled < need) {
    if (filled == buffer->size()) buffer->resize(std::min(need, 2 * buffer->size()));
    const std::size_t want = buffer->size() - filled;
    const std::size_t got = gz.read(buffer->data() + filled, want);
    filled += got;
    LOCKSTEP_CHECK(got == want, path, ": the header (", h.text(), ") needs ", h.data_bytes,
                   " bytes of data from byte offset ", h.bytes,
                   ", but the decompressed data holds only ", filled - h.bytes, " there (", filled,
                   " bytes in all, from ", size, " compressed)");
  }
  LOCKSTEP_CHECK(gz.finish(), path, ": the header (", h.text(), ") needs ", h.data_bytes,
                 " bytes of data from byte offset ", h.bytes,
                 ", but the decompressed data holds more bytes after them");
  bytes = buffer->data();
  storage = std::move(buffer);
  return h;
}

}  // namespace

IdxArray::IdxArray(const std::filesystem::path& path) : path_(path.string()) {
  auto file = std::make_shared<detail::MappedFile>(path_);
  const std::uint64_t size = file->size();
  std::array<unsigned char, 2> probe{};
  const std::size_t have = static_cast<std::size_t>(std::min<std::uint64_t>(size, 2));
  file->read(0, std::span(probe.data(), have));
  Header h;
  if (detail::is_gzip(std::span(probe.data(), have))) {
    h = read_gzip(path_, *file, storage_, bytes_);
    compressed_ = true;
  } else {
    h = read_header(
        path_,
        [&](std::uint64_t offset, std::span<unsigned char> out) {
          const std::size_t n = static_cast<std::size_t>(
              std::min<std::uint64_t>(out.size(), size > offset ? size - offset : 0));
          file->read(offset, out.first(n));
          return n;
        },
        "the file");
    const std::uint64_t available = size - h.bytes;
    LOCKSTEP_CHECK(h.data_bytes <= available, path_, ": the header (", h.text(), ") needs ",
                   h.data_bytes, " bytes of data from byte offset ", h.bytes,
                   ", but the file has only ", available, " there (it is ", size, " bytes long)");
    LOCKSTEP_CHECK(h.data_bytes == available, path_, ": the header (", h.text(), ") needs ",
                   h.data_bytes, " bytes of data from byte offset ", h.bytes, ", but the file has ",
                   available - h.data_bytes, " more bytes after them");
    check_items(path_, h);
    file->map();
    bytes_ = file->data();
    storage_ = std::move(file);
  }
  type_ = h.type;
  dims_ = std::move(h.dims);
  data_offset_ = h.bytes;
  rows_ = dims_[0];
  cols_ = static_cast<Index>(h.row_values);
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
  const unsigned char* src = bytes_ + data_offset_ +
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
