#include "lockstep/io/safetensors.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "core/binary_file.hpp"
#include "lockstep/core/atomic_file.hpp"
#include "lockstep/core/error.hpp"
#include "tensor/shape_text.hpp"

namespace lockstep {

namespace {

using json = nlohmann::json;
using detail::errno_text;
using detail::load_le;
using detail::read_at;
using detail::shape_text;
using detail::store_le;

// The Python library refuses headers above 100 MB; so do we, before reading a byte of one.
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;
// The header is at most three levels deep (object -> tensor -> shape); deeper nesting can only
// be malformed, so it is refused while parsing instead of being built in memory.
constexpr int kMaxJsonDepth = 8;
constexpr const char* kSupportedDtypes = "F32, F64, F16, BF16 and I64";

// "element 5 (index [1, 1])" for the flat, row-major position `flat` of a tensor of `shape`.
std::string element_text(Index flat, const std::vector<Index>& shape) {
  std::vector<Index> index(shape.size(), 0);
  Index rest = flat;
  for (std::size_t k = shape.size(); k-- > 0;) {
    if (shape[k] == 0) continue;
    index[k] = rest % shape[k];
    rest /= shape[k];
  }
  return detail::str_cat("element ", flat, " (index ", shape_text(index), ")");
}

// The product of the dimensions, or -1 when a dimension is negative or the product of the
// non-zero dimensions does not fit in an Index (so any 2-D view of the shape fits, too).
Index checked_numel(const std::vector<Index>& shape) {
  Index nonzero = 1;
  bool any_zero = false;
  for (Index d : shape) {
    if (d < 0) return -1;
    if (d == 0) {
      any_zero = true;
      continue;
    }
    if (nonzero > std::numeric_limits<Index>::max() / d) return -1;
    nonzero *= d;
  }
  return any_zero ? 0 : nonzero;
}

// The 2-D shape lockstep stores a tensor of the given (validated) shape in.
Shape storage_shape(const std::vector<Index>& shape) {
  if (shape.empty()) return {1, 1};
  if (shape.size() == 1) return {1, shape[0]};
  Index cols = 1;
  for (std::size_t k = 1; k < shape.size(); ++k) cols *= shape[k];
  return {shape[0], cols};
}

// The index of the first NaN or Inf, or -1.
Index first_non_finite(std::span<const float> values) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) return static_cast<Index>(i);
  }
  return -1;
}

float half_to_float(std::uint16_t h) {
  const int exponent = (h >> 10) & 0x1f;
  const int mantissa = h & 0x3ff;
  float v;
  if (exponent == 0) {
    v = std::ldexp(static_cast<float>(mantissa), -24);  // zero or subnormal
  } else if (exponent == 31) {
    v = mantissa ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
  } else {
    v = std::ldexp(static_cast<float>(mantissa | 0x400), exponent - 25);
  }
  return (h & 0x8000) ? -v : v;
}

// --- files -------------------------------------------------------------------------------------

// Buffers the file's bytes and writes them in large chunks.
class Writer {
 public:
  explicit Writer(AtomicFile& file) : file_(file) { buffer_.reserve(kCapacity); }
  void bytes(const void* data, std::size_t count) {
    const auto* p = static_cast<const unsigned char*>(data);
    while (count > 0) {
      const std::size_t n = std::min(count, kCapacity - buffer_.size());
      buffer_.insert(buffer_.end(), p, p + n);
      p += n;
      count -= n;
      if (buffer_.size() == kCapacity) flush();
    }
  }
  void floats(std::span<const float> values) {
    if constexpr (std::endian::native == std::endian::little) {
      bytes(values.data(), values.size_bytes());
    } else {
      unsigned char le[4];
      for (float v : values) {
        store_le(std::bit_cast<std::uint32_t>(v), le);
        bytes(le, 4);
      }
    }
  }
  void int64s(std::span<const std::int64_t> values) {
    unsigned char le[8];
    for (std::int64_t v : values) {
      store_le(static_cast<std::uint64_t>(v), le);
      bytes(le, 8);
    }
  }
  void flush() {
    file_.write(buffer_.data(), buffer_.size());
    buffer_.clear();
  }

 private:
  static constexpr std::size_t kCapacity = 1 << 20;
  AtomicFile& file_;
  std::vector<unsigned char> buffer_;
};

// A JSON string literal for `s`; `what` names it when `s` is not valid UTF-8.
std::string json_string(const std::string& s, const std::string& context, const char* what) {
  try {
    return json(s).dump();
  } catch (const json::exception&) {
    detail::throw_error(detail::str_cat(context, what, " is not valid UTF-8"));
  }
}

// --- reading -----------------------------------------------------------------------------------

struct Dtype {
  const char* name;
  std::uint64_t itemsize;
  bool supported;
};

// Every dtype of the safetensors format; lockstep reads the floating-point ones and I64.
constexpr Dtype kDtypes[] = {
    {"F32", 4, true},   {"F64", 8, true},      {"F16", 2, true},      {"BF16", 2, true},
    {"BOOL", 1, false}, {"U8", 1, false},      {"I8", 1, false},      {"I16", 2, false},
    {"U16", 2, false},  {"I32", 4, false},     {"U32", 4, false},     {"I64", 8, true},
    {"U64", 8, false},  {"F8_E4M3", 1, false}, {"F8_E5M2", 1, false},
};

struct TensorInfo {
  std::string name;
  const Dtype* dtype = nullptr;
  std::vector<Index> shape;
  Index numel = 0;
  std::uint64_t begin = 0, end = 0;
};

// The non-negative integer `v`, or false.
bool as_offset(const json& v, std::uint64_t& out) {
  if (v.is_number_unsigned()) {
    out = v.get<std::uint64_t>();
    return true;
  }
  if (v.is_number_integer() && v.get<std::int64_t>() >= 0) {
    out = static_cast<std::uint64_t>(v.get<std::int64_t>());
    return true;
  }
  return false;
}

json parse_header(const std::string& text, const std::string& ctx) {
  // Duplicate keys would silently keep the last value; the callback sees every key as it is
  // parsed, with one set of keys per open object.
  std::vector<std::set<std::string>> open_objects;
  std::string tensor;  // the current top-level key, for messages
  auto callback = [&](int depth, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        LOCKSTEP_CHECK(depth < kMaxJsonDepth, ctx, "invalid header: nested deeper than ",
                       kMaxJsonDepth, " levels", tensor.empty() ? "" : " in the entry of '", tensor,
                       tensor.empty() ? "" : "'");
        if (event == json::parse_event_t::object_start) open_objects.emplace_back();
        break;
      case json::parse_event_t::object_end:
        open_objects.pop_back();
        break;
      case json::parse_event_t::key: {
        const auto& key = parsed.get_ref<const std::string&>();
        if (depth == 1) {
          LOCKSTEP_CHECK(open_objects.back().insert(key).second, ctx, "tensor name '", key,
                         "' appears more than once in the header");
          tensor = key;
        } else {
          LOCKSTEP_CHECK(open_objects.back().insert(key).second, ctx, "key '", key,
                         "' appears more than once in the header entry of '", tensor, "'");
        }
        break;
      }
      default:
        break;
    }
    return true;
  };
  try {
    return json::parse(text, callback);
  } catch (const json::parse_error& e) {
    std::string reason = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 12: syntax error ..."
    if (const auto colon = reason.find(": "); colon != std::string::npos)
      reason = reason.substr(colon + 2);
    detail::throw_error(
        detail::str_cat(ctx, "invalid JSON in the header at byte ", e.byte, ": ", reason));
  } catch (const json::exception& e) {
    detail::throw_error(detail::str_cat(ctx, "invalid JSON in the header: ", e.what()));
  }
}

TensorInfo parse_tensor(const std::string& name, const json& value, std::uint64_t data_size,
                        const std::string& ctx) {
  const std::string at = detail::str_cat(ctx, "tensor '", name, "': ");
  LOCKSTEP_CHECK(value.is_object(), at, "the header entry is a ", value.type_name(),
                 ", not an object with dtype, shape and data_offsets");
  for (const auto& [key, _] : value.items()) {
    LOCKSTEP_CHECK(key == "dtype" || key == "shape" || key == "data_offsets", at,
                   "unexpected field '", key, "' (expected dtype, shape and data_offsets)");
  }
  for (const char* key : {"dtype", "shape", "data_offsets"})
    LOCKSTEP_CHECK(value.contains(key), at, "the field '", key, "' is missing");

  TensorInfo info;
  info.name = name;
  const json& dtype = value["dtype"];
  LOCKSTEP_CHECK(dtype.is_string(), at, "dtype is a ", dtype.type_name(), ", not a string");
  const auto& dtype_name = dtype.get_ref<const std::string&>();
  for (const Dtype& d : kDtypes) {
    if (dtype_name == d.name) info.dtype = &d;
  }
  LOCKSTEP_CHECK(info.dtype != nullptr, at, "unknown dtype '", dtype_name, "' (lockstep reads ",
                 kSupportedDtypes, ")");
  LOCKSTEP_CHECK(info.dtype->supported, at, "dtype ", dtype_name,
                 " is not supported (lockstep reads ", kSupportedDtypes, ")");

  const json& shape = value["shape"];
  LOCKSTEP_CHECK(shape.is_array(), at, "shape is a ", shape.type_name(),
                 ", not a list of non-negative integers");
  for (std::size_t k = 0; k < shape.size(); ++k) {
    std::uint64_t d = 0;
    LOCKSTEP_CHECK(as_offset(shape[k], d), at, "shape ", shape.dump(),
                   " is not a list of non-negative integers (dimension ", k, ")");
    LOCKSTEP_CHECK(d <= static_cast<std::uint64_t>(std::numeric_limits<Index>::max()), at, "shape ",
                   shape.dump(), " is too large");
    info.shape.push_back(static_cast<Index>(d));
  }
  info.numel = checked_numel(info.shape);
  LOCKSTEP_CHECK(info.numel >= 0, at, "shape ", shape.dump(), " is too large");

  const json& offsets = value["data_offsets"];
  LOCKSTEP_CHECK(offsets.is_array() && offsets.size() == 2 && as_offset(offsets[0], info.begin) &&
                     as_offset(offsets[1], info.end),
                 at, "data_offsets ", offsets.dump(),
                 " is not [begin, end] with non-negative integers");
  LOCKSTEP_CHECK(info.begin <= info.end, at, "data_offsets [", info.begin, ", ", info.end,
                 "] end before they begin");
  const auto numel = static_cast<std::uint64_t>(info.numel);
  LOCKSTEP_CHECK(numel <= std::numeric_limits<std::uint64_t>::max() / info.dtype->itemsize &&
                     info.end - info.begin == numel * info.dtype->itemsize,
                 at, "data_offsets [", info.begin, ", ", info.end, "] hold ", info.end - info.begin,
                 " bytes, but shape ", shape_text(info.shape), " of ", dtype_name, " needs ",
                 info.numel, " x ", info.dtype->itemsize, " bytes");
  LOCKSTEP_CHECK(info.end <= data_size, at, "data_offsets [", info.begin, ", ", info.end,
                 "] run past the end of the data section (", data_size, " bytes)");
  return info;
}

// The tensors must tile the data section exactly: no overlaps, no gaps, nothing after the last.
void check_layout(std::vector<TensorInfo>& infos, std::uint64_t data_size, const std::string& ctx) {
  std::sort(infos.begin(), infos.end(), [](const TensorInfo& a, const TensorInfo& b) {
    return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
  });
  std::uint64_t covered = 0;
  const TensorInfo* previous = nullptr;
  for (const TensorInfo& info : infos) {
    LOCKSTEP_CHECK(info.begin >= covered, ctx, "tensor '", info.name, "': data_offsets [",
                   info.begin, ", ", info.end, "] overlap those of tensor '", previous->name, "' [",
                   previous->begin, ", ", previous->end, "]");
    LOCKSTEP_CHECK(info.begin == covered, ctx, "tensor '", info.name, "': data_offsets [",
                   info.begin, ", ", info.end, "] leave a gap: bytes [", covered, ", ", info.begin,
                   ") of the data section belong to no tensor");
    covered = info.end;
    previous = &info;
  }
  LOCKSTEP_CHECK(covered == data_size, ctx, "bytes [", covered, ", ", data_size,
                 ") of the data section belong to no tensor",
                 previous ? detail::str_cat(" (the last tensor, '", previous->name, "', ends at ",
                                            covered, ")")
                          : std::string(" (the header lists no tensors)"));
}

// An I64 entry's values, exactly.
SafetensorsEntry read_int64s(int fd, const TensorInfo& info, std::uint64_t data_start,
                             const std::string& at) {
  const std::uint64_t nbytes = info.end - info.begin;
  std::vector<unsigned char> raw(static_cast<std::size_t>(nbytes));
  LOCKSTEP_CHECK(nbytes == 0 || read_at(fd, raw.data(), nbytes, data_start + info.begin), at,
                 "reading its data failed: ",
                 errno ? errno_text() : "the file is shorter than its header says");
  std::vector<std::int64_t> values(static_cast<std::size_t>(info.numel));
  for (std::size_t i = 0; i < values.size(); ++i)
    values[i] = static_cast<std::int64_t>(load_le<std::uint64_t>(raw.data() + 8 * i));
  return SafetensorsEntry::int64(info.name, info.shape, std::move(values));
}

SafetensorsEntry read_tensor(int fd, const TensorInfo& info, std::uint64_t data_start,
                             const std::string& ctx) {
  const std::string at = detail::str_cat(ctx, "tensor '", info.name, "': ");
  const std::string dtype = info.dtype->name;
  if (dtype == "I64") return read_int64s(fd, info, data_start, at);
  Tensor t(storage_shape(info.shape));
  const std::uint64_t nbytes = info.end - info.begin;
  const std::uint64_t offset = data_start + info.begin;
  const auto n = static_cast<std::size_t>(info.numel);
  float* out = t.data();
  if (dtype == "F32" && std::endian::native == std::endian::little) {
    LOCKSTEP_CHECK(read_at(fd, out, nbytes, offset), at, "reading its data failed: ",
                   errno ? errno_text() : "the file is shorter than its header says");
  } else if (nbytes > 0) {
    std::vector<unsigned char> raw(static_cast<std::size_t>(nbytes));
    LOCKSTEP_CHECK(read_at(fd, raw.data(), nbytes, offset), at, "reading its data failed: ",
                   errno ? errno_text() : "the file is shorter than its header says");
    const unsigned char* p = raw.data();
    if (dtype == "F32") {
      for (std::size_t i = 0; i < n; ++i)
        out[i] = std::bit_cast<float>(load_le<std::uint32_t>(p + 4 * i));
    } else if (dtype == "F64") {
      for (std::size_t i = 0; i < n; ++i) {
        const double v = std::bit_cast<double>(load_le<std::uint64_t>(p + 8 * i));
        LOCKSTEP_CHECK(!std::isfinite(v) || std::fabs(v) <= std::numeric_limits<float>::max(), at,
                       "the F64 value ", v, " at ", element_text(static_cast<Index>(i), info.shape),
                       " does not fit in float32");
        out[i] = static_cast<float>(v);
      }
    } else if (dtype == "F16") {
      for (std::size_t i = 0; i < n; ++i) out[i] = half_to_float(load_le<std::uint16_t>(p + 2 * i));
    } else {  // BF16: the upper half of a float32
      for (std::size_t i = 0; i < n; ++i)
        out[i] = std::bit_cast<float>(static_cast<std::uint32_t>(load_le<std::uint16_t>(p + 2 * i))
                                      << 16);
    }
  }
  const Index bad = first_non_finite(t.span());
  LOCKSTEP_CHECK(bad < 0, at, "non-finite value ", out[bad], " at ", element_text(bad, info.shape));
  return {info.name, info.shape, std::move(t)};
}

}  // namespace

const SafetensorsEntry* SafetensorsFile::find(std::string_view name) const {
  for (const auto& e : entries) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

void write_safetensors(const std::filesystem::path& path,
                       const std::vector<SafetensorsEntry>& entries,
                       const SafetensorsMetadata& metadata) {
  const std::string ctx = detail::str_cat("write_safetensors('", path.string(), "'): ");
  LOCKSTEP_CHECK(path.has_filename(), ctx, "the path names no file");

  // (LOCKSTEP_CHECK evaluates its message only on failure.) Everything is checked before the
  // temporary file exists.
  std::vector<const SafetensorsEntry*> sorted;
  for (const auto& e : entries) sorted.push_back(&e);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto* a, const auto* b) { return a->name < b->name; });
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const SafetensorsEntry& e = *sorted[i];
    LOCKSTEP_CHECK(!e.name.empty(), ctx, "a tensor has an empty name");
    LOCKSTEP_CHECK(e.name != "__metadata__", ctx,
                   "'__metadata__' is reserved for the metadata and cannot name a tensor");
    LOCKSTEP_CHECK(i == 0 || sorted[i - 1]->name != e.name, ctx, "tensor name '", e.name,
                   "' appears more than once");
    const Index numel = checked_numel(e.shape);
    LOCKSTEP_CHECK(numel >= 0, ctx, "tensor '", e.name, "': invalid shape ", shape_text(e.shape),
                   " (negative or too large)");
    if (e.dtype == SafetensorsDtype::kI64) {
      LOCKSTEP_CHECK(!e.tensor.defined(), ctx, "tensor '", e.name,
                     "': an I64 entry holds its values in int64s, not in a float32 tensor");
      LOCKSTEP_CHECK(numel == static_cast<Index>(e.int64s.size()), ctx, "tensor '", e.name,
                     "': shape ", shape_text(e.shape), " has ", numel,
                     " elements but the entry has ", e.int64s.size(), " int64 values");
      continue;
    }
    LOCKSTEP_CHECK(e.int64s.empty(), ctx, "tensor '", e.name,
                   "': an F32 entry holds its values in a tensor, not in int64s");
    LOCKSTEP_CHECK(numel == e.tensor.numel() && (e.tensor.defined() || numel == 0), ctx, "tensor '",
                   e.name, "': shape ", shape_text(e.shape), " has ", numel,
                   " elements but the tensor ", e.tensor.shape(), " has ", e.tensor.numel());
    const Index bad = first_non_finite(e.tensor.span());
    LOCKSTEP_CHECK(bad < 0, ctx, "tensor '", e.name, "': non-finite value ", e.tensor.data()[bad],
                   " at ", element_text(bad, e.shape));
  }

  std::string header = "{";
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    bool first = true;
    for (const auto& [key, value] : metadata) {
      if (!first) header += ',';
      first = false;
      header += json_string(key, ctx, "a metadata key");
      header += ':';
      header += json_string(value, ctx, detail::str_cat("metadata '", key, "'").c_str());
    }
    header += '}';
  }
  std::uint64_t offset = 0;
  for (const SafetensorsEntry* e : sorted) {
    const bool i64 = e->dtype == SafetensorsDtype::kI64;
    const std::uint64_t end = offset + (i64 ? 8 : 4) * static_cast<std::uint64_t>(e->numel());
    if (header.size() > 1) header += ',';
    header += json_string(e->name, ctx, detail::str_cat("tensor name '", e->name, "'").c_str());
    header += i64 ? ":{\"dtype\":\"I64\",\"shape\":[" : ":{\"dtype\":\"F32\",\"shape\":[";
    for (std::size_t k = 0; k < e->shape.size(); ++k)
      header += detail::str_cat(k ? "," : "", e->shape[k]);
    header += detail::str_cat("],\"data_offsets\":[", offset, ",", end, "]}");
    offset = end;
  }
  header += '}';
  header.append((8 - header.size() % 8) % 8, ' ');

  AtomicFile file(path, ctx);
  Writer out(file);
  unsigned char length[8];
  store_le<std::uint64_t>(header.size(), length);
  out.bytes(length, sizeof length);
  out.bytes(header.data(), header.size());
  for (const SafetensorsEntry* e : sorted) {
    if (e->dtype == SafetensorsDtype::kI64)
      out.int64s(e->int64s);
    else
      out.floats(e->tensor.span());
  }
  out.flush();
  file.commit();
}

SafetensorsFile read_safetensors(const std::filesystem::path& path) {
  const std::string ctx = detail::str_cat("read_safetensors('", path.string(), "'): ");
  const detail::Fd fd = detail::open_read_only(path.string());
  LOCKSTEP_CHECK(fd.get() >= 0, ctx, "cannot open the file: ", errno_text());
  detail::FileKind kind = detail::FileKind::kOther;
  std::uint64_t file_size = 0;
  LOCKSTEP_CHECK(detail::stat_file(fd.get(), kind, file_size), ctx,
                 "cannot stat the file: ", errno_text());
  LOCKSTEP_CHECK(kind != detail::FileKind::kDirectory, ctx, "it is a directory, not a file");
  LOCKSTEP_CHECK(kind == detail::FileKind::kRegular, ctx, "it is not a regular file");

  LOCKSTEP_CHECK(file_size >= 8, ctx, "the file has ", file_size,
                 " bytes, fewer than the 8 of the header length");
  unsigned char length_bytes[8];
  LOCKSTEP_CHECK(read_at(fd.get(), length_bytes, 8, 0), ctx, "reading the header length failed: ",
                 errno ? errno_text() : "the file is shorter than it was");
  const auto header_size = load_le<std::uint64_t>(length_bytes);
  // Compared with the real size of the file before anything is allocated.
  LOCKSTEP_CHECK(header_size <= file_size - 8, ctx, "the header length ", header_size,
                 " runs past the end of the file (", file_size - 8,
                 " bytes follow the length field)");
  LOCKSTEP_CHECK(header_size <= kMaxHeaderBytes, ctx, "the header length ", header_size,
                 " exceeds the limit of ", kMaxHeaderBytes, " bytes");
  std::string text(static_cast<std::size_t>(header_size), '\0');
  LOCKSTEP_CHECK(read_at(fd.get(), text.data(), header_size, 8), ctx, "reading the header failed: ",
                 errno ? errno_text() : "the file is shorter than it was");
  const std::uint64_t data_start = 8 + header_size;
  const std::uint64_t data_size = file_size - data_start;

  const json header = parse_header(text, ctx);
  LOCKSTEP_CHECK(header.is_object(), ctx, "the header is a JSON ", header.type_name(),
                 ", not an object");
  SafetensorsFile file;
  std::vector<TensorInfo> infos;
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      LOCKSTEP_CHECK(value.is_object(), ctx, "__metadata__ is a ", value.type_name(),
                     ", not an object of strings");
      for (const auto& [key, v] : value.items()) {
        LOCKSTEP_CHECK(v.is_string(), ctx, "__metadata__ '", key, "' is a ", v.type_name(),
                       ", not a string");
        file.metadata.emplace(key, v.get<std::string>());
      }
      continue;
    }
    infos.push_back(parse_tensor(name, value, data_size, ctx));
  }
  check_layout(infos, data_size, ctx);

  for (const TensorInfo& info : infos)
    file.entries.push_back(read_tensor(fd.get(), info, data_start, ctx));
  std::sort(file.entries.begin(), file.entries.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return file;
}

}  // namespace lockstep
