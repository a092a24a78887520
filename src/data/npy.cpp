#include "lockstep/data/npy.hpp"

#include <array>
#include <bit>
#include <cstring>
#include <limits>
#include <string_view>

#include "core/binary_file.hpp"
#include "lockstep/core/atomic_file.hpp"
#include "lockstep/core/error.hpp"

namespace lockstep {
namespace {

constexpr std::array<unsigned char, 6> kMagic = {0x93, 'N', 'U', 'M', 'P', 'Y'};
constexpr std::uint64_t kMaxHeaderLength = std::uint64_t{1} << 20;

// A shape as numpy writes it in the header and prints it: "(3, 4)", "(3,)" (not the "[3, 4]"
// of lockstep's own messages, tensor/shape_text.hpp: these messages quote the file).
std::string tuple_text(const std::vector<Index>& shape) {
  std::string out = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(shape[i]);
  }
  if (shape.size() == 1) out += ",";
  return out + ")";
}

struct Header {
  std::string descr;
  bool fortran_order = false;
  std::vector<Index> shape;
};

/// Parses the header: a Python dict literal with the keys 'descr' (a string), 'fortran_order'
/// (True/False) and 'shape' (a tuple of integers), as numpy writes it.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, std::uint64_t offset, const std::string& path)
      : text_(text), offset_(offset), path_(path) {}

  Header parse() {
    Header h;
    bool seen_descr = false, seen_fortran = false, seen_shape = false;
    skip_space();
    expect('{', "'{' opening the header dict");
    while (true) {
      skip_space();
      if (peek() == '}') {
        ++pos_;
        break;
      }
      const std::size_t key_pos = pos_;
      const std::string key = parse_string("a quoted key");
      skip_space();
      expect(':', "':' after the key");
      skip_space();
      if (key == "descr") {
        fail_if(seen_descr, key_pos, "field 'descr' appears twice");
        if (peek() == '[')
          field_error("descr", "structured dtypes (a list of fields) are not supported");
        h.descr = parse_string("a quoted dtype string");
        seen_descr = true;
      } else if (key == "fortran_order") {
        fail_if(seen_fortran, key_pos, "field 'fortran_order' appears twice");
        h.fortran_order = parse_bool();
        seen_fortran = true;
      } else if (key == "shape") {
        fail_if(seen_shape, key_pos, "field 'shape' appears twice");
        h.shape = parse_shape();
        seen_shape = true;
      } else {
        fail_if(true, key_pos,
                "unknown field '" + key +
                    "' (a .npy header has exactly 'descr', 'fortran_order', 'shape')");
      }
      skip_space();
      if (peek() == ',') {
        ++pos_;
      } else {
        fail_if(peek() != '}', pos_, "expected ',' or '}' after a field");
      }
    }
    skip_space();
    fail_if(pos_ != text_.size(), pos_, "unexpected text after the header dict");
    LOCKSTEP_CHECK(seen_descr, path_, ": the header has no field 'descr'");
    LOCKSTEP_CHECK(seen_fortran, path_, ": the header has no field 'fortran_order'");
    LOCKSTEP_CHECK(seen_shape, path_, ": the header has no field 'shape'");
    return h;
  }

 private:
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' ||
                                   text_[pos_] == '\r' || text_[pos_] == '\t')) {
      ++pos_;
    }
  }

  void fail_if(bool bad, std::size_t pos, const std::string& what) const {
    LOCKSTEP_CHECK(!bad, path_, ": header byte offset ", offset_ + pos, ": ", what);
  }

  [[noreturn]] void field_error(const char* field, const std::string& what) const {
    detail::throw_error(detail::str_cat(path_, ": header field '", field, "': ", what));
  }

  void expect(char c, const char* what) {
    fail_if(peek() != c, pos_, std::string("expected ") + what);
    ++pos_;
  }

  std::string parse_string(const char* what) {
    const char quote = peek();
    fail_if(quote != '\'' && quote != '"', pos_, std::string("expected ") + what);
    const std::size_t begin = ++pos_;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      fail_if(text_[pos_] == '\\', pos_, "escapes in header strings are not supported");
      ++pos_;
    }
    fail_if(pos_ >= text_.size(), begin - 1, "unterminated string");
    return std::string(text_.substr(begin, pos_++ - begin));
  }

  bool parse_bool() {
    if (text_.substr(pos_).starts_with("True")) {
      pos_ += 4;
      return true;
    }
    if (text_.substr(pos_).starts_with("False")) {
      pos_ += 5;
      return false;
    }
    field_error("fortran_order",
                "expected True or False at header byte offset " + std::to_string(offset_ + pos_));
  }

  std::vector<Index> parse_shape() {
    std::vector<Index> shape;
    expect('(', "'(' opening the shape tuple");
    while (true) {
      skip_space();
      if (peek() == ')') {
        ++pos_;
        return shape;
      }
      const std::size_t begin = pos_;
      fail_if(peek() == '-', pos_, "field 'shape' has a negative dimension");
      std::uint64_t value = 0;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
        const auto digit = static_cast<std::uint64_t>(text_[pos_] - '0');
        fail_if(
            value > (static_cast<std::uint64_t>(std::numeric_limits<Index>::max()) - digit) / 10,
            begin, "field 'shape' has a dimension too large for 64 bits");
        value = value * 10 + digit;
        ++pos_;
      }
      fail_if(pos_ == begin, pos_,
              "expected a dimension (a non-negative integer) in field 'shape'");
      if (peek() == 'L') ++pos_;  // Python 2 long literals
      shape.push_back(static_cast<Index>(value));
      skip_space();
      if (peek() == ',') {
        ++pos_;
      } else {
        fail_if(peek() != ')', pos_, "expected ',' or ')' in field 'shape'");
      }
    }
  }

  std::string_view text_;
  std::uint64_t offset_;
  const std::string& path_;
  std::size_t pos_ = 0;
};

detail::Scalar dtype_scalar(NpyDType t) {
  switch (t) {
    case NpyDType::kFloat32:
      return detail::Scalar::kFloat32;
    case NpyDType::kFloat64:
      return detail::Scalar::kFloat64;
    case NpyDType::kInt32:
      return detail::Scalar::kInt32;
    case NpyDType::kInt64:
      return detail::Scalar::kInt64;
    case NpyDType::kUInt8:
      return detail::Scalar::kUInt8;
  }
  return detail::Scalar::kFloat32;
}

NpyDType parse_descr(const std::string& descr, const std::string& path) {
  const auto fail = [&](const std::string& what) {
    detail::throw_error(detail::str_cat(path, ": header field 'descr': ", what));
  };
  if (descr == "<f4") return NpyDType::kFloat32;
  if (descr == "<f8") return NpyDType::kFloat64;
  if (descr == "<i4") return NpyDType::kInt32;
  if (descr == "<i8") return NpyDType::kInt64;
  if (descr == "|u1" || descr == "<u1" || descr == ">u1") return NpyDType::kUInt8;
  if (descr.find('O') != std::string::npos) {
    fail("object arrays ('" + descr +
         "') are not supported; store numbers, e.g. np.save(path, a.astype(np.float32))");
  }
  if (descr == ">f4" || descr == ">f8" || descr == ">i4" || descr == ">i8") {
    fail("big-endian dtype '" + descr + "' is not supported; convert it with a.astype('<" +
         descr.substr(1) + "')");
  }
  fail("unsupported dtype '" + descr + "' (supported: '<f4', '<f8', '<i4', '<i8', '|u1')");
  return NpyDType::kFloat32;
}

}  // namespace

NpyArray::NpyArray(const std::filesystem::path& path, NpyReadOptions options)
    : path_(path.string()) {
  auto file = std::make_shared<detail::MappedFile>(path_);
  const std::uint64_t size = file->size();

  // --- preamble: magic, version, header length --------------------------------------------
  std::array<unsigned char, 12> pre{};
  const std::size_t have = static_cast<std::size_t>(std::min<std::uint64_t>(size, pre.size()));
  file->read(0, std::span(pre.data(), have));
  LOCKSTEP_CHECK(!(have >= 4 && pre[0] == 'P' && pre[1] == 'K' && pre[2] == 3 && pre[3] == 4),
                 path_,
                 ": this is a .npz (zip) archive, not a .npy file; extract its arrays "
                 "with np.load(path) and np.save each one");
  LOCKSTEP_CHECK(have >= 10 && std::equal(kMagic.begin(), kMagic.end(), pre.begin()), path_,
                 ": not a .npy file (it does not start with the magic bytes \\x93NUMPY; it is ",
                 size, " bytes long)");
  const int major = pre[6], minor = pre[7];
  LOCKSTEP_CHECK((major == 1 || major == 2 || major == 3) && minor == 0, path_,
                 ": unsupported .npy format version ", major, ".", minor,
                 " (bytes 6-7); supported: 1.0, 2.0, 3.0");
  version_ = {major, minor};
  const int len_bytes = major == 1 ? 2 : 4;
  LOCKSTEP_CHECK(have >= static_cast<std::size_t>(8 + len_bytes), path_,
                 ": the file ends inside the header length field (it is ", size, " bytes long)");
  const std::uint64_t header_len = len_bytes == 2 ? detail::load_le<std::uint16_t>(pre.data() + 8)
                                                  : detail::load_le<std::uint32_t>(pre.data() + 8);
  const std::uint64_t header_begin = 8 + static_cast<std::uint64_t>(len_bytes);
  LOCKSTEP_CHECK(header_len <= kMaxHeaderLength, path_, ": header length ", header_len,
                 " (bytes 8-", header_begin - 1, ") is implausibly large (the limit is ",
                 kMaxHeaderLength, " bytes)");
  LOCKSTEP_CHECK(header_begin + header_len <= size, path_, ": header length ", header_len,
                 " (bytes 8-", header_begin - 1, ") runs past the end of the file (", size,
                 " bytes)");
  data_offset_ = header_begin + header_len;

  // --- header dict ------------------------------------------------------------------------------
  std::string text(static_cast<std::size_t>(header_len), '\0');
  file->read(header_begin, std::span(reinterpret_cast<unsigned char*>(text.data()), text.size()));
  const Header h = HeaderParser(text, header_begin, path_).parse();
  descr_ = h.descr;
  dtype_ = parse_descr(h.descr, path_);
  LOCKSTEP_CHECK(!h.fortran_order, path_,
                 ": header field 'fortran_order' is True: Fortran-order arrays are not "
                 "supported; save np.ascontiguousarray(a) instead");
  shape_ = h.shape;
  LOCKSTEP_CHECK(!shape_.empty(), path_,
                 ": header field 'shape' is (): a 0-d (scalar) array; expected 1-D or 2-D");

  // --- sizes: checked against the file before anything is mapped or allocated --------------
  const std::uint64_t itemsize = detail::scalar_size(dtype_scalar(dtype_));
  const std::string overflow = detail::str_cat(path_, ": header field 'shape' ", tuple_text(shape_),
                                               " is too large (its byte count overflows 64 bits)");
  const auto [row_values, nbytes] = detail::array_size(shape_, itemsize, overflow);
  const std::uint64_t available = size - data_offset_;
  LOCKSTEP_CHECK(nbytes <= available, path_, ": header field 'shape' ", tuple_text(shape_),
                 " with dtype '", descr_, "' needs ", nbytes, " bytes of data from byte offset ",
                 data_offset_, ", but the file has only ", available, " there (it is ", size,
                 " bytes long)");
  LOCKSTEP_CHECK(nbytes == available, path_, ": header field 'shape' ", tuple_text(shape_),
                 " with dtype '", descr_, "' needs ", nbytes, " bytes of data from byte offset ",
                 data_offset_, ", but the file has ", available - nbytes,
                 " more bytes after them (a wrong shape, or several arrays in one file?)");
  LOCKSTEP_CHECK(row_values <= static_cast<std::uint64_t>(std::numeric_limits<Index>::max()),
                 overflow);
  rows_ = shape_[0];
  cols_ = static_cast<Index>(row_values);
  // Rows of no values would be samples of nothing, and cost nothing to declare by the billion.
  LOCKSTEP_CHECK(rows_ == 0 || cols_ > 0, path_, ": header field 'shape' ", tuple_text(shape_),
                 " gives each of its ", rows_, " rows no values (a sample needs at least one)");

  if (size <= options.map_limit) file->map();  // else rows are read with pread
  file_ = std::move(file);
}

void NpyArray::read_rows(Index begin, Index count, std::span<float> out) const {
  LOCKSTEP_CHECK(begin >= 0 && count >= 0 && begin <= rows_ - count, path_, ": rows [", begin, ", ",
                 begin + count, ") are out of range for ", rows_, " rows");
  LOCKSTEP_CHECK(static_cast<Index>(out.size()) == count * cols_, path_, ": a buffer of ",
                 out.size(), " floats for ", count, " rows of ", cols_);
  if (count == 0 || cols_ == 0) return;
  const detail::Scalar type = dtype_scalar(dtype_);
  const std::uint64_t itemsize = detail::scalar_size(type);
  const std::uint64_t offset = data_offset_ + static_cast<std::uint64_t>(begin) *
                                                  static_cast<std::uint64_t>(cols_) * itemsize;
  const std::size_t bytes = out.size() * itemsize;
  if (file_->mapped()) {
    detail::convert_to_float(file_->data() + offset, type, false, out.size(), out.data());
  } else if (type == detail::Scalar::kFloat32 && std::endian::native == std::endian::little) {
    file_->read_data(offset, {reinterpret_cast<unsigned char*>(out.data()), bytes});
  } else {
    thread_local std::vector<unsigned char> raw;  // grows to the largest read, then is reused
    raw.resize(std::max(raw.size(), bytes));
    file_->read_data(offset, {raw.data(), bytes});
    detail::convert_to_float(raw.data(), type, false, out.size(), out.data());
  }
}

bool NpyArray::mapped() const { return file_->mapped(); }

Tensor NpyArray::to_tensor() const {
  Tensor t(Shape{rows_, cols_});
  read_rows(0, rows_, t.span());
  return t;
}

NpyDataset::NpyDataset(const std::filesystem::path& features, const std::filesystem::path& labels)
    : features_(features) {
  if (labels.empty()) return;
  labels_.emplace(labels);
  LOCKSTEP_CHECK(labels_->rows() == features_.rows(), "NpyDataset: features '", features_.path(),
                 "' have ", features_.rows(), " rows (shape ", tuple_text(features_.shape()),
                 ") but labels '", labels_->path(), "' have ", labels_->rows(), " (shape ",
                 tuple_text(labels_->shape()), ")");
}

void NpyDataset::get(Index index, std::span<float> x, std::span<float> y) const {
  LOCKSTEP_CHECK(index >= 0 && index < size(), "NpyDataset '", features_.path(), "': index ", index,
                 " is out of range for ", size(), " samples");
  LOCKSTEP_CHECK(
      static_cast<Index>(x.size()) == feature_dim() && static_cast<Index>(y.size()) == target_dim(),
      "NpyDataset::get: buffers of ", x.size(), " and ", y.size(), " floats for a sample of ",
      feature_dim(), " and ", target_dim());
  features_.read_row(index, x);
  if (labels_) labels_->read_row(index, y);
}

Tensor load_npy(const std::filesystem::path& path) { return NpyArray(path).to_tensor(); }

void save_npy(const std::filesystem::path& path, const Tensor& tensor) {
  LOCKSTEP_CHECK(tensor.defined(), "save_npy('", path.string(), "'): the tensor is undefined");
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" +
                       std::to_string(tensor.rows()) + ", " + std::to_string(tensor.cols()) +
                       "), }";
  // Pad with spaces so that the data starts at a multiple of 64 bytes; end with '\n'.
  const std::size_t preamble = 10;
  const std::size_t unpadded = preamble + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::string bytes(kMagic.begin(), kMagic.end());
  bytes += '\x01';
  bytes += '\x00';
  bytes.resize(bytes.size() + 2);
  detail::store_le(static_cast<std::uint16_t>(header.size()),
                   reinterpret_cast<unsigned char*>(bytes.data() + bytes.size() - 2));
  bytes += header;
  const std::size_t data_begin = bytes.size();
  bytes.resize(data_begin + static_cast<std::size_t>(tensor.numel()) * sizeof(float));
  auto* data = reinterpret_cast<unsigned char*>(bytes.data() + data_begin);
  for (Index i = 0; i < tensor.numel(); ++i) {
    detail::store_le(std::bit_cast<std::uint32_t>(tensor.data()[i]),
                     data + static_cast<std::size_t>(i) * 4);
  }

  write_file_atomically(path, bytes, detail::str_cat("save_npy('", path.string(), "'): "));
}

}  // namespace lockstep
