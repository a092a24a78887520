// lockstep/train/prepared_data.hpp — a training run's data: read from a built-in name, a CSV,
// a .npy pair or an IDX pair, split into training and validation, standardized with the
// training split's statistics.
//
// Formats by `path`: a built-in name (seed-linear, iris, digits, diabetes,
// synthetic-classification, synthetic-regression), "*.csv" (header line; target column by
// name or index, default the last), "*.npy" (features; labels from a second .npy), anything
// else an IDX images file (labels from a second IDX file). Classes: CSV labels (text, or
// numbers with task "classification") keep their names; integer .npy/IDX labels v are class
// "v". remap_classes() renumbers a second file's classes by name onto the training file's.
//
//   lockstep::TrainConfig config;   // data = "digits", val_split = 0.2
//   lockstep::PreparedData d = lockstep::prepare_data(config);
//   // d.train: 1438 samples of 64 standardized features and a class id; d.val: 359;
//   // d.class_names "0".."9"
//   lockstep::LabeledData test = lockstep::load_labeled_data({.path = "test.csv"});
//   lockstep::remap_classes(test, d.class_names, "test.csv");
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lockstep/data/dataset.hpp"
#include "lockstep/data/standardizer.hpp"
#include "lockstep/tensor/image_shape.hpp"
#include "lockstep/tensor/tensor.hpp"
#include "lockstep/train/config.hpp"

namespace lockstep {

struct DataSource {
  std::string path;    // built-in name or file
  std::string labels;  // .npy / IDX labels file
  std::string target;  // CSV target column (name or index); empty: the last
  std::string task = "auto";
  Index samples = 2000, features = 16, classes = 4;  // synthetic sets
  std::uint64_t seed = 1;                            // synthetic sets
  // CSV and built-in sets: the feature columns by name, in this order, wherever they are in the
  // file (other columns are ignored; a missing one is an error naming it). Empty: every column
  // but the target, in the file's order.
  std::vector<std::string> feature_names;
  // IDX ubyte images: each byte / 255, to [0, 1] (said in the description); false: 0..255.
  bool scale_pixels = true;
  // false: features only, for predictions: no target column (CSV) or labels file (.npy, IDX)
  // is needed or read; y is left undefined (and classification false, no class names).
  bool need_target = true;
};

struct LabeledData {
  Tensor x;  // [n, features]
  Tensor y;  // [n, 1] class ids, or [n, t] regression targets; undefined without need_target
  bool classification = false;
  std::vector<std::string> class_names;  // class id -> name (classification only)
  std::vector<std::string> feature_names;
  std::string target_name;
  std::string description;  // "digits (built-in): 1797 samples, 64 features, 10 classes"
  ImageShape image{};       // IDX images: their C, H, W; channels 0 otherwise
};

/// Reads one data set; errors name the file (and line) or the flag.
LabeledData load_labeled_data(const DataSource& source);
/// The names --data accepts besides files: "seed-linear, iris, digits, diabetes,
/// synthetic-classification, synthetic-regression" (from builtin_datasets()).
std::string builtin_data_names();

/// Renumbers `data`'s class ids so that id i means names[i]; a class not in `names` is an error
/// naming `source` and the class.
void remap_classes(LabeledData& data, const std::vector<std::string>& names,
                   const std::string& source);

struct PreparedData {
  // The samples as training sees them, standardized when config.standardize. A .npy features
  // file is never loaded: its rows are read through the mapping as batches are drawn (the
  // statistics in one streamed pass, a --val-split as views of its rows), so a file larger
  // than memory trains in bounded memory. Other formats are held in memory.
  std::shared_ptr<const Dataset> train;
  std::shared_ptr<const Dataset> val;  // null when there is no validation set
  bool classification = false;
  std::vector<std::string> class_names;
  std::vector<std::string> feature_names;
  std::string target_name;
  std::string description;
  Standardizer scaler;  // fitted on the training rows when config.standardize
  ImageShape image{};   // the rows' image shape (IDX files, or --image); channels 0: none
  bool has_val() const { return val && val->size() > 0; }
  Index features() const { return train->feature_dim(); }
  Index outputs() const { return classification ? Index(class_names.size()) : train->target_dim(); }
};

/// Loads, splits (seeded by config.seed) and standardizes the data of `config`.
PreparedData prepare_data(const TrainConfig& config);

/// Rows `indices` of `t`, copied.
Tensor gather_rows(const Tensor& t, const std::vector<Index>& indices);

}  // namespace lockstep
