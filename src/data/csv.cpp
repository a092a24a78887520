#include "lockstep/data/csv.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <system_error>
#include <unordered_map>

#include "core/binary_file.hpp"
#include "lockstep/core/error.hpp"

namespace lockstep {
namespace {

enum class FloatStatus { kOk, kNotANumber, kNonFinite, kOutOfRange };

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

FloatStatus parse_float_status(std::string_view text, bool allow_nonfinite, float& out) {
  std::string_view s = trim(text);
  if (!s.empty() && s.front() == '+') {
    s.remove_prefix(1);
    if (!s.empty() && (s.front() == '+' || s.front() == '-')) return FloatStatus::kNotANumber;
  }
  if (s.empty()) return FloatStatus::kNotANumber;
  double value = 0;
  const auto [ptr, ec] =
      std::from_chars(s.data(), s.data() + s.size(), value, std::chars_format::general);
  if (ptr != s.data() + s.size()) return FloatStatus::kNotANumber;
  if (ec == std::errc::result_out_of_range) return FloatStatus::kOutOfRange;
  if (ec != std::errc()) return FloatStatus::kNotANumber;
  if (!std::isfinite(value)) {
    if (!allow_nonfinite) return FloatStatus::kNonFinite;
    out = static_cast<float>(value);
    return FloatStatus::kOk;
  }
  if (std::fabs(value) > static_cast<double>(std::numeric_limits<float>::max())) {
    return FloatStatus::kOutOfRange;
  }
  out = static_cast<float>(value);
  return FloatStatus::kOk;
}

/// A value for an error message: single-quoted, control bytes escaped, long values cut.
std::string show(std::string_view value) {
  constexpr std::size_t kMax = 40;
  std::string out = "'";
  for (std::size_t i = 0; i < value.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c < 0x20 || c == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (value.size() > kMax) out += "...";
  out += "'";
  return out;
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) out += ", ";
    out += "'" + names[i] + "'";
  }
  return out;
}

/// Splits CSV text into records (RFC 4180). Line numbers are 1-based physical lines.
class RecordReader {
 public:
  RecordReader(std::string_view text, char delimiter, std::string_view source)
      : text_(text), delimiter_(delimiter), source_(source) {}

  /// Column names used in messages once the header is known.
  void set_names(const std::vector<std::string>* names) { names_ = names; }

  /// Reads the next non-empty record into fields[0..count); false at the end of the text.
  bool next(std::vector<std::string>& fields, std::size_t& count, Index& start_line) {
    // Skip empty lines.
    while (pos_ < text_.size() && (text_[pos_] == '\n' || text_[pos_] == '\r')) end_line();
    if (pos_ >= text_.size()) return false;
    start_line = line_;
    count = 0;
    while (true) {
      if (count == fields.size()) fields.emplace_back();
      std::string& field = fields[count];
      field.clear();
      // After a delimiter that ends the text, pos_ is at the end: an empty last field.
      if (pos_ < text_.size() && text_[pos_] == '"') {
        read_quoted(field, count);
      } else {
        read_plain(field, count);
      }
      ++count;
      if (pos_ < text_.size() && text_[pos_] == delimiter_) {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size()) end_line();
      return true;
    }
  }

 private:
  bool at_line_end() const {
    return pos_ >= text_.size() || text_[pos_] == '\n' || text_[pos_] == '\r';
  }

  // Consumes one line ending (\n, \r\n or \r) at pos_.
  void end_line() {
    if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
    ++pos_;
    ++line_;
  }

  std::string where(Index line, std::size_t field) const {
    std::string out = detail::str_cat(source_, " line ", line, ", ");
    if (names_ != nullptr && field < names_->size()) {
      return out + "column '" + (*names_)[field] + "'";
    }
    return out + detail::str_cat("field ", field + 1);
  }

  void read_plain(std::string& field, std::size_t index) {
    const std::size_t begin = pos_;
    while (pos_ < text_.size() && text_[pos_] != delimiter_ && !at_line_end()) {
      LOCKSTEP_CHECK(text_[pos_] != '"', where(line_, index), ": a '\"' inside an unquoted field ",
                     show(text_.substr(begin, pos_ + 1 - begin)),
                     " (quote the whole field and write quotes inside it as \"\")");
      ++pos_;
    }
    field.assign(text_.substr(begin, pos_ - begin));
  }

  void read_quoted(std::string& field, std::size_t index) {
    const Index open_line = line_;
    ++pos_;  // the opening quote
    while (true) {
      LOCKSTEP_CHECK(pos_ < text_.size(), where(open_line, index),
                     ": the quoted field opened on this line is never closed");
      const char c = text_[pos_];
      if (c == '"') {
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
          field += '"';
          pos_ += 2;
          continue;
        }
        ++pos_;
        break;
      }
      if (c == '\n' || (c == '\r' && !(pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n'))) {
        ++line_;
      }
      field += c;
      ++pos_;
    }
    LOCKSTEP_CHECK(pos_ >= text_.size() || text_[pos_] == delimiter_ || at_line_end(),
                   where(line_, index), ": unexpected ", show(text_.substr(pos_, 1)),
                   " after the closing quote of a quoted field");
  }

  std::string_view text_;
  char delimiter_;
  std::string_view source_;
  const std::vector<std::string>* names_ = nullptr;
  std::size_t pos_ = 0;
  Index line_ = 1;
};

Index find_column(const std::vector<std::string>& header, const std::string& name,
                  std::string_view source, const char* role) {
  const auto it = std::find(header.begin(), header.end(), name);
  LOCKSTEP_CHECK(it != header.end(), source, ": no column named '", name, "' (", role,
                 "); the columns are: ", join_names(header));
  return static_cast<Index>(it - header.begin());
}

/// Class names sorted: by numeric value when every label is a number, else bytewise.
std::vector<std::string> sorted_classes(const std::map<std::string, Index>& labels) {
  std::vector<std::string> names;
  names.reserve(labels.size());
  for (const auto& entry : labels) names.push_back(entry.first);  // bytewise order already
  std::vector<std::pair<double, std::string>> numeric;
  for (const std::string& n : names) {
    float v = 0;
    if (parse_float_status(n, true, v) != FloatStatus::kOk || std::isnan(v)) return names;
    numeric.emplace_back(v, n);
  }
  std::stable_sort(numeric.begin(), numeric.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 0; i < names.size(); ++i) names[i] = numeric[i].second;
  return names;
}

/// The target column and the feature columns options choose from `header`.
struct Columns {
  Index target = -1;  // -1: none (read_target = false)
  std::vector<Index> features;
};
Columns select_columns(const std::vector<std::string>& header, const CsvOptions& options,
                       std::string_view source) {
  const Index ncols = static_cast<Index>(header.size());
  auto has = [&](const std::string& name) {
    return std::find(header.begin(), header.end(), name) != header.end();
  };
  // Every column asked for by name that the file lacks, in one message.
  const bool target_missing =
      options.read_target && !options.target.empty() && !has(options.target);
  std::vector<std::string> missing_features;
  for (const std::string& name : options.features)
    if (!has(name)) missing_features.push_back(name);
  if (target_missing || !missing_features.empty()) {
    std::string missing = target_missing ? "'" + options.target + "' (the target)" : "";
    if (!missing_features.empty())
      missing += (target_missing ? " and " : "") + join_names(missing_features) + " (in features)";
    LOCKSTEP_CHECK(false, source, ": no column named ", missing,
                   "; the columns are: ", join_names(header));
  }
  Index target = -1;
  if (options.read_target && !options.target.empty()) {
    target = find_column(header, options.target, source, "the target");
  } else if (options.read_target) {
    const Index t = options.target_index < 0 ? ncols + options.target_index : options.target_index;
    LOCKSTEP_CHECK(t >= 0 && t < ncols, source, ": target_index ", options.target_index,
                   " is out of range for ", ncols, " columns (", join_names(header), ")");
    target = t;
  }
  std::vector<Index> feature_cols;
  if (!options.features.empty()) {
    for (const std::string& name : options.features) {
      const Index c = find_column(header, name, source, "in features");
      LOCKSTEP_CHECK(c != target, source, ": column '", name,
                     "' is the target and cannot also be a feature");
      LOCKSTEP_CHECK(std::find(feature_cols.begin(), feature_cols.end(), c) == feature_cols.end(),
                     source, ": column '", name, "' is listed twice in features");
      feature_cols.push_back(c);
    }
  } else {
    // Features only, by position: a column named as the target (the model's, say) is not one.
    const Index skipped = !options.read_target && !options.target.empty() && has(options.target)
                              ? find_column(header, options.target, source, "the target")
                              : -1;
    for (Index c = 0; c < ncols; ++c) {
      if (c != target && c != skipped) feature_cols.push_back(c);
    }
  }
  for (const std::string& name : options.drop) {
    const Index c = find_column(header, name, source, "in drop");
    std::erase(feature_cols, c);
  }
  LOCKSTEP_CHECK(!feature_cols.empty(), source,
                 ": no feature columns are left (columns: ", join_names(header), "; target: '",
                 target < 0 ? std::string() : header[static_cast<std::size_t>(target)], "')");
  return {target, std::move(feature_cols)};
}

/// Class ids for the labels, numbered in sorted_classes order.
void set_class_targets(CsvData& out, const std::vector<std::string>& label_targets, Index rows) {
  std::map<std::string, Index> ids;
  for (const std::string& label : label_targets) ids.emplace(label, 0);
  out.class_names = sorted_classes(ids);
  for (std::size_t k = 0; k < out.class_names.size(); ++k) {
    ids[out.class_names[k]] = static_cast<Index>(k);
  }
  std::vector<float> class_ids(label_targets.size());
  for (std::size_t i = 0; i < label_targets.size(); ++i) {
    class_ids[i] = static_cast<float>(ids[label_targets[i]]);
  }
  out.targets = Tensor::from_vector(class_ids, Shape{rows, 1});
}

/// What is wrong with a value parse_float_status did not accept, for messages.
const char* float_problem(FloatStatus st, const char* not_a_number) {
  return st == FloatStatus::kOutOfRange ? " is out of float32 range"
         : st == FloatStatus::kNonFinite
             ? " is not finite (set allow_nonfinite to accept nan and inf)"
             : not_a_number;
}

}  // namespace

std::optional<float> parse_float(std::string_view text, bool allow_nonfinite) {
  float value = 0;
  if (parse_float_status(text, allow_nonfinite, value) != FloatStatus::kOk) return std::nullopt;
  return value;
}

std::shared_ptr<TensorDataset> CsvData::dataset() const {
  return std::make_shared<TensorDataset>(features, targets);
}

CsvData parse_csv(std::string_view text, const CsvOptions& options, std::string_view source) {
  LOCKSTEP_CHECK(options.delimiter != '"' && options.delimiter != '\n' && options.delimiter != '\r',
                 source, ": the delimiter cannot be a quote or a line break");
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 byte-order mark
  RecordReader reader(text, options.delimiter, source);
  std::vector<std::string> fields;
  std::size_t count = 0;
  Index line = 0;

  // --- header ---------------------------------------------------------------------------------
  LOCKSTEP_CHECK(reader.next(fields, count, line), source,
                 ": the file is empty (expected a header line with the column names)");
  const Index header_line = line;
  std::vector<std::string> header(fields.begin(), fields.begin() + static_cast<long>(count));
  const Index ncols = static_cast<Index>(header.size());
  std::unordered_map<std::string_view, Index> seen;
  for (Index i = 0; i < ncols; ++i) {
    const std::string& name = header[static_cast<std::size_t>(i)];
    const auto [it, fresh] = seen.emplace(name, i);
    LOCKSTEP_CHECK(fresh, source, " line ", header_line, ": duplicate column name '", name,
                   "' (columns ", it->second + 1, " and ", i + 1, ")");
  }
  reader.set_names(&header);

  // --- which columns ----------------------------------------------------------------------------
  const auto [target, feature_cols] = select_columns(header, options, source);
  const auto nfeat = static_cast<Index>(feature_cols.size());
  const std::string target_name = target < 0 ? "" : header[static_cast<std::size_t>(target)];

  // --- rows ----------------------------------------------------------------------------------
  std::vector<float> features;
  std::vector<float> numeric_targets;
  std::vector<std::string> label_targets;
  Index first_number_line = 0, first_label_line = 0;
  std::string first_number, first_label;
  const bool want_labels = options.target_kind != CsvTargetKind::kNumeric;
  Index rows = 0;
  while (reader.next(fields, count, line)) {
    LOCKSTEP_CHECK(static_cast<Index>(count) == ncols, source, " line ", line, ": expected ", ncols,
                   " fields, got ", count);
    for (const Index c : feature_cols) {
      const std::string& value = fields[static_cast<std::size_t>(c)];
      float v = 0;
      const FloatStatus st = parse_float_status(value, options.allow_nonfinite, v);
      LOCKSTEP_CHECK(st == FloatStatus::kOk, source, " line ", line, ", column '",
                     header[static_cast<std::size_t>(c)], "': ", show(value),
                     float_problem(st, " is not a number"));
      features.push_back(v);
    }
    ++rows;
    if (target < 0) continue;
    const std::string& tv = fields[static_cast<std::size_t>(target)];
    float v = 0;
    const FloatStatus st = parse_float_status(tv, options.allow_nonfinite, v);
    if (options.target_kind == CsvTargetKind::kNumeric) {
      LOCKSTEP_CHECK(st == FloatStatus::kOk, source, " line ", line, ", column '", target_name,
                     "': ", show(tv),
                     float_problem(st, " is not a number (the target is numeric)"));
    } else {
      LOCKSTEP_CHECK(!trim(tv).empty(), source, " line ", line, ", column '", target_name,
                     "': empty target value");
      if (st == FloatStatus::kOk) {
        if (first_number_line == 0) {
          first_number_line = line;
          first_number = tv;
        }
      } else if (first_label_line == 0) {
        first_label_line = line;
        first_label = tv;
      }
    }
    numeric_targets.push_back(v);
    if (want_labels) {
      label_targets.push_back(tv);
    }
  }
  LOCKSTEP_CHECK(rows > 0, source, ": no data rows after the header (line ", header_line, ")");

  CsvData out;
  out.features = Tensor::from_vector(features, Shape{rows, nfeat});
  out.target_name = target_name;
  for (const Index c : feature_cols)
    out.feature_names.push_back(header[static_cast<std::size_t>(c)]);
  if (target < 0) return out;

  bool classes = options.target_kind == CsvTargetKind::kClasses;
  if (options.target_kind == CsvTargetKind::kAuto) {
    LOCKSTEP_CHECK(first_number_line == 0 || first_label_line == 0, source, ": target column '",
                   target_name, "' mixes numbers (line ", first_number_line, ": ",
                   show(first_number), ") and other values (line ", first_label_line, ": ",
                   show(first_label),
                   "); fix the data, or set target_kind to kClasses or kNumeric");
    classes = first_label_line != 0;
  }
  if (!classes) {
    out.targets = Tensor::from_vector(numeric_targets, Shape{rows, 1});
    return out;
  }
  set_class_targets(out, label_targets, rows);
  return out;
}

CsvData read_csv(const std::filesystem::path& path, const CsvOptions& options) {
  return parse_csv(detail::read_regular_file(path.string(), "CSV file"), options, path.string());
}

}  // namespace lockstep
