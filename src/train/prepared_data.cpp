#include "lockstep/train/prepared_data.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <optional>

#include "lockstep/core/error.hpp"
#include "lockstep/core/rng.hpp"
#include "lockstep/data/builtin.hpp"
#include "lockstep/data/csv.hpp"
#include "lockstep/data/idx.hpp"
#include "lockstep/data/image_transforms.hpp"
#include "lockstep/data/npy.hpp"
#include "lockstep/data/subset.hpp"
#include "lockstep/data/synthetic.hpp"
#include "lockstep/data/tensor_dataset.hpp"
#include "lockstep/train/config.hpp"
#include "lockstep/train/model_spec.hpp"
#include "train/mapped_rows.hpp"

namespace lockstep {

namespace {

constexpr std::uint64_t kValSplitStream = 0x5B117ULL;  // the --val-split shuffle's stream

bool is_builtin(const std::string& name) {
  for (const BuiltinInfo& info : builtin_datasets())
    if (info.name == name) return true;
  return false;
}

LabeledData from_csv(CsvData csv, const std::string& description) {
  LabeledData d;
  d.x = csv.features;
  d.y = csv.targets;
  d.classification = csv.is_classification();
  d.class_names = csv.class_names;
  d.feature_names = csv.feature_names;
  d.target_name = csv.target_name;
  d.description = description;
  return d;
}

// Integer labels v >= 0 become classes "0".."max"; anything else is an error naming the row.
void integer_classes(LabeledData& d, const std::string& source) {
  LOCKSTEP_CHECK(d.y.cols() == 1, source, ": class labels must be one column, got ", d.y.cols());
  Index max_label = 0;
  for (Index i = 0; i < d.y.rows(); ++i) {
    const float v = d.y(i, 0);
    LOCKSTEP_CHECK(std::isfinite(v) && v >= 0 && v == std::floor(v) && v < 1e6f, source, " row ", i,
                   ": class label ", v, " is not an integer in [0, 1000000)");
    max_label = std::max(max_label, Index(v));
  }
  d.classification = true;
  d.class_names.clear();
  for (Index c = 0; c <= max_label; ++c) d.class_names.push_back(std::to_string(c));
}

void apply_task(LabeledData& d, const std::string& task, const std::string& source) {
  if (task == "classification" && !d.classification) integer_classes(d, source);
  if (task == "regression" && d.classification) {
    d.classification = false;  // class ids as numbers
    d.class_names.clear();
  }
}

// The columns `names` of a data set that names its features, in that order; the missing ones
// are an error naming them.
void select_features(LabeledData& d, const std::vector<std::string>& names,
                     const std::string& source) {
  std::vector<Index> cols;
  std::string missing;
  for (const std::string& name : names) {
    const auto it = std::find(d.feature_names.begin(), d.feature_names.end(), name);
    if (it == d.feature_names.end())
      missing += (missing.empty() ? "'" : ", '") + name + "'";
    else
      cols.push_back(Index(it - d.feature_names.begin()));
  }
  LOCKSTEP_CHECK(missing.empty(), source, ": no column named ", missing, " (in features)");
  Tensor x(d.x.rows(), Index(cols.size()));
  for (Index i = 0; i < x.rows(); ++i)
    for (std::size_t k = 0; k < cols.size(); ++k) x(i, Index(k)) = d.x(i, cols[k]);
  d.x = x;
  d.feature_names = names;
}

bool looks_like_index(const std::string& s) {
  if (s.empty()) return false;
  std::size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size()) return false;
  for (; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

}  // namespace

Tensor gather_rows(const Tensor& t, const std::vector<Index>& indices) {
  Tensor out(Index(indices.size()), t.cols());
  for (std::size_t i = 0; i < indices.size(); ++i)
    std::memcpy(out.data() + Index(i) * t.cols(), t.data() + indices[i] * t.cols(),
                std::size_t(t.cols()) * sizeof(float));
  return out;
}

std::string builtin_data_names() {
  std::string names;
  for (const BuiltinInfo& info : builtin_datasets()) names += std::string(info.name) + ", ";
  return names + "synthetic-classification, synthetic-regression";
}

namespace {

// One file's samples before the split: features in memory (d.x), or a mapped .npy file (d.x
// undefined); targets, names and classes in d.
struct Source {
  LabeledData d;
  std::optional<NpyArray> mapped;
  Index rows() const { return mapped ? mapped->rows() : d.x.rows(); }
  Index cols() const { return mapped ? mapped->cols() : d.x.cols(); }
};

// "x0", "x1", ...: the names of features that have none (synthetic, .npy and IDX data).
void placeholder_feature_names(LabeledData& d, Index cols) {
  for (Index j = 0; j < cols; ++j) {
    std::string name = "x";  // appended, not "x" + s: GCC 12 misreports that (-Wrestrict)
    name += std::to_string(j);
    d.feature_names.push_back(std::move(name));
  }
}

// A synthetic set, generated from its size and seed.
LabeledData synthetic_data(const DataSource& src) {
  const std::string& p = src.path;
  LabeledData d;
  // Checked before anything is generated (a model file's metadata can declare them too).
  using Limits = TrainConfig;
  LOCKSTEP_CHECK(src.samples >= 2 && src.samples <= Limits::kMaxSamples && src.features >= 1 &&
                     src.features <= Limits::kMaxFeatures &&
                     src.samples <= Limits::kMaxSyntheticValues / src.features,
                 "--samples ", src.samples, " x --features ", src.features, ": ", p,
                 " can have at most ", Limits::kMaxSamples, " samples, ", Limits::kMaxFeatures,
                 " features and ", Limits::kMaxSyntheticValues, " values");
  LOCKSTEP_CHECK(
      p != "synthetic-classification" || (src.classes >= 2 && src.classes <= Limits::kMaxClasses),
      "--classes must be in [2, ", Limits::kMaxClasses, "], got ", src.classes);
  std::unique_ptr<Dataset> ds;
  if (p == "synthetic-classification")
    ds =
        std::make_unique<SyntheticClassification>(src.samples, src.features, src.classes, src.seed);
  else
    ds = std::make_unique<SyntheticRegression>(src.samples, src.features, src.seed);
  d.x = Tensor::empty({ds->size(), ds->feature_dim()});
  d.y = Tensor::empty({ds->size(), 1});
  std::vector<Index> all(static_cast<std::size_t>(ds->size()));
  std::iota(all.begin(), all.end(), Index{0});
  ds->get_batch(all, d.x, d.y);
  placeholder_feature_names(d, d.x.cols());
  d.target_name.assign(1, 'y');  // not = "y": GCC 12 misreports that (-Wrestrict)
  if (p == "synthetic-classification") {
    d.classification = true;
    for (Index c = 0; c < src.classes; ++c) d.class_names.push_back(std::to_string(c));
  }
  d.description = p;
  return d;
}

// A CSV file: the target by name or index, the features (by name when given).
LabeledData csv_data(const DataSource& src) {
  const std::string& p = src.path;
  LabeledData d;
  LOCKSTEP_CHECK(std::filesystem::exists(p), "--data: no such file: ", p);
  CsvOptions opt;
  if (looks_like_index(src.target)) {
    Index index = 0;
    const char* end = src.target.data() + src.target.size();
    const auto [ptr, ec] = std::from_chars(src.target.data(), end, index);
    LOCKSTEP_CHECK(ec == std::errc() && ptr == end, "--target: column index ", src.target,
                   " is out of range");
    opt.target_index = index;
  } else
    opt.target = src.target;
  if (src.task == "classification") opt.target_kind = CsvTargetKind::kClasses;
  if (src.task == "regression") opt.target_kind = CsvTargetKind::kNumeric;
  opt.features = src.feature_names;
  opt.read_target = src.need_target;
  d = from_csv(read_csv(p, opt), p);
  return d;
}

// A .npy or IDX features file, with its labels file when targets are wanted; with `map`, a
// .npy features file stays mapped (s.mapped) instead of being loaded into s.d.x.
Source array_data(const DataSource& src, bool map) {
  const std::string& p = src.path;
  Source s;
  LabeledData& d = s.d;
  const bool npy = p.ends_with(".npy");
  LOCKSTEP_CHECK(std::filesystem::exists(p), "--data: no such file or built-in data set: '", p,
                 "' (built-in: ", builtin_data_names(), ")");
  LOCKSTEP_CHECK(!src.need_target || !src.labels.empty(), "--labels: ", npy ? ".npy" : "IDX",
                 " data needs a labels file (--labels PATH) for ", p);
  LOCKSTEP_CHECK(!src.need_target || std::filesystem::exists(src.labels),
                 "--labels: no such file: ", src.labels);
  bool integer_labels = true;
  std::string pixels;  // what became of 8-bit IDX pixels, for the description
  if (npy) {
    if (map)
      s.mapped.emplace(p);
    else
      d.x = load_npy(p);
    if (src.need_target) {
      NpyArray labels(src.labels);
      d.y = labels.to_tensor();
      integer_labels = labels.dtype() != NpyDType::kFloat32 && labels.dtype() != NpyDType::kFloat64;
    }
  } else {
    const IdxArray images(p);  // read (a .gz: decompressed) once
    const bool bytes = images.type() == IdxType::kUInt8;
    if (images.dims().size() >= 3) {
      d.image = image_shape(images);
    }
    d.x = images.to_tensor(/*scale=*/bytes && src.scale_pixels);
    if (bytes)
      pixels = src.scale_pixels ? " (8-bit pixels scaled to [0, 1])" : " (8-bit pixels, unscaled)";
    if (src.need_target) d.y = load_idx(src.labels);
  }
  LOCKSTEP_CHECK(!src.need_target || s.rows() == d.y.rows(), "--labels: ", src.labels, " has ",
                 d.y.rows(), " rows but ", p, " has ", s.rows());
  // Before anything is sized by the columns: with no rows, a tiny file can declare any number.
  LOCKSTEP_CHECK(s.rows() >= 1, "--data: ", p, " holds no samples (its shape is ", s.rows(), " x ",
                 s.cols(), ")");
  placeholder_feature_names(d, s.cols());
  d.target_name = "label";
  d.description = p + pixels;
  if (src.need_target && (src.task == "classification" || (src.task == "auto" && integer_labels)))
    integer_classes(d, src.labels);
  return s;
}

// One data set read for training: load_labeled_data's answer, but a .npy features file
// mapped rather than loaded.
Source load_source(const DataSource& src, bool map_npy) {
  const std::string& p = src.path;
  LOCKSTEP_CHECK(!p.empty(), "--data: no data set given");
  Source s;
  LabeledData& d = s.d;
  if (p == "synthetic-classification" || p == "synthetic-regression") {
    d = synthetic_data(src);
  } else if (is_builtin(p)) {
    d = from_csv(load_builtin(p), p + " (built-in)");
    if (!src.feature_names.empty()) select_features(d, src.feature_names, p);
  } else if (p.ends_with(".csv")) {
    d = csv_data(src);
  } else {
    s = array_data(src, map_npy);
  }
  if (src.need_target) {
    apply_task(d, src.task, p);
  } else {  // features only, whatever the source also holds
    d.y = Tensor();
    d.classification = false;
    d.class_names.clear();
    d.target_name.clear();
  }
  LOCKSTEP_CHECK(s.rows() >= 1, "--data: ", p, " holds no samples");
  d.description += ": " + std::to_string(s.rows()) + " samples, " + std::to_string(s.cols()) +
                   " features" +
                   (!src.need_target   ? std::string()
                    : d.classification ? ", " + std::to_string(d.class_names.size()) + " classes"
                                       : std::string(", regression"));
  return s;
}

// The samples `rows` of `s` (all when null), standardized by `scaler` when given: a view of
// the mapping for a mapped file, else tensors gathered in memory.
std::shared_ptr<const Dataset> view(const Source& s, const std::vector<Index>* rows,
                                    const Standardizer* scaler) {
  if (s.mapped) {
    return std::make_shared<MappedRows>(*s.mapped, s.d.y,
                                        rows ? std::optional(*rows) : std::nullopt,
                                        scaler ? std::optional(*scaler) : std::nullopt);
  }
  Tensor x = rows ? gather_rows(s.d.x, *rows) : s.d.x;
  Tensor y = rows ? gather_rows(s.d.y, *rows) : s.d.y;
  if (scaler) x = scaler->transform(x);
  return std::make_shared<TensorDataset>(x, y);
}

}  // namespace

LabeledData load_labeled_data(const DataSource& src) {
  return load_source(src, /*map_npy=*/false).d;
}

void remap_classes(LabeledData& data, const std::vector<std::string>& names,
                   const std::string& source) {
  if (!data.classification) {
    // Numeric labels: read them as class names ("3" -> the class named "3").
    integer_classes(data, source);
  }
  std::map<std::string, Index> id;
  for (std::size_t i = 0; i < names.size(); ++i) id[names[i]] = Index(i);
  std::vector<Index> to(data.class_names.size(), -1);
  for (std::size_t c = 0; c < data.class_names.size(); ++c) {
    auto it = id.find(data.class_names[c]);
    if (it != id.end()) to[c] = it->second;
  }
  for (Index i = 0; i < data.y.rows(); ++i) {
    const auto c = std::size_t(data.y(i, 0));
    LOCKSTEP_CHECK(to[c] >= 0, source, " row ", i + 1, ": class '", data.class_names[c],
                   "' is not one of the model's ", names.size(), " classes");
    data.y(i, 0) = float(to[c]);
  }
  data.class_names = names;
}

PreparedData prepare_data(const TrainConfig& c) {
  DataSource src{c.data,     c.labels,  c.target, c.task, c.samples,
                 c.features, c.classes, c.seed,   {},     /*need_target=*/true};
  src.scale_pixels = c.scale_pixels;
  const Source all = load_source(src, /*map_npy=*/true);
  PreparedData out;
  out.classification = all.d.classification;
  out.class_names = all.d.class_names;
  out.feature_names = all.d.feature_names;
  out.target_name = all.d.target_name;
  out.description = all.d.description;
  // Checked against the features where the model is planned (plan() in model_spec.cpp).
  out.image = c.image.empty() ? all.d.image : parse_image_shape(c.image);
  // The training and validation rows: a second file, a seeded split, or all for training.
  std::optional<Source> val_file;
  std::vector<Index> train_rows, val_rows;
  bool split = false;
  if (!c.val.empty()) {
    DataSource vsrc = src;
    vsrc.path = c.val;
    vsrc.labels = c.val_labels;
    vsrc.target = all.d.target_name;
    if (c.task == "auto") vsrc.task = all.d.classification ? "classification" : "regression";
    val_file = load_source(vsrc, /*map_npy=*/true);
    LOCKSTEP_CHECK(val_file->cols() == all.cols(), "--val: ", c.val, " has ", val_file->cols(),
                   " features, the training data ", all.cols());
    if (all.d.classification) remap_classes(val_file->d, all.d.class_names, c.val);
  } else if (c.val_split > 0) {
    const std::vector<double> fractions{1.0 - c.val_split, c.val_split};
    auto parts = random_split(view(all, nullptr, nullptr), std::span<const double>(fractions),
                              Generator::derive(c.seed, {kValSplitStream}).next_u64());
    LOCKSTEP_CHECK(parts[0]->size() >= 1 && parts[1]->size() >= 1, "--val-split ", c.val_split,
                   " leaves an empty split of ", all.rows(), " samples");
    train_rows = parts[0]->indices();
    val_rows = parts[1]->indices();
    split = true;
  }
  const std::vector<Index>* train_view = split ? &train_rows : nullptr;
  const std::vector<Index>* val_view = split ? &val_rows : nullptr;
  const Standardizer* scaler = nullptr;
  if (c.standardize) {
    // Streamed over the training rows in file order: a .npy file is read sequentially, never
    // loaded, and the sums run in the same order whatever the format.
    std::vector<Index> in_order;
    if (split) {
      in_order = train_rows;
      std::sort(in_order.begin(), in_order.end());
    }
    out.scaler = Standardizer({.keep_constant = true});
    out.scaler.fit(*view(all, split ? &in_order : nullptr, nullptr));
    scaler = &out.scaler;
  }
  out.train = view(all, train_view, scaler);
  if (val_file)
    out.val = view(*val_file, nullptr, scaler);
  else if (split)
    out.val = view(all, val_view, scaler);
  return out;
}

}  // namespace lockstep
