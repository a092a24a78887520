// lockstep/data/builtin.hpp — the project's small reference data sets, by name, from any
// installed binary: the CSV files of data/ are compiled into the library at build time
// (cmake/EmbedFiles.cmake), so nothing is looked up on disk.
//
// | name        | rows | features                              | target                        |
// |-------------|------|---------------------------------------|-------------------------------|
// | seed-linear |   10 | x (0..9)                              | y, real (regression)          |
// | iris        |  150 | 4 measurements (cm)                   | species: 3 classes            |
// | digits      | 1797 | p0..p63, 8x8 pixel counts 0..16       | digit: 10 classes, "0".."9"   |
// | diabetes    |  442 | 10 baseline variables (unscaled)      | progression, real (regression)|
//
// Provenance (data/README.md, also returned by builtin_readme()):
//   seed-linear: the linear-regression toy data of the textbook chapter "Parallelizing Neural
//     Network Training with PyTorch" (Raschka et al., Machine Learning with PyTorch and
//     Scikit-Learn, ch. 12).
//   iris: R. A. Fisher (1936), UCI Machine Learning Repository, CC BY 4.0.
//   digits: E. Alpaydin, C. Kaynak (1998), UCI "Optical Recognition of Handwritten Digits"
//     (test part), CC BY 4.0.
//   diabetes: B. Efron et al. (2004), "Least Angle Regression", Annals of Statistics.
//
//   lockstep::CsvData iris = lockstep::load_builtin("iris");
//   // iris.features [150, 4], iris.targets [150, 1] = class ids, iris.class_names[0] == "setosa"
//   for (const lockstep::BuiltinInfo& info : lockstep::builtin_datasets())
//     std::cout << info.name << ": " << info.source << "\n";
#pragma once

#include <span>
#include <string_view>

#include "lockstep/data/csv.hpp"

namespace lockstep {

struct BuiltinInfo {
  std::string_view name;  // "iris"
  std::string_view file;  // "iris.csv", as in data/
  Index rows;
  Index features;
  std::string_view target;       // the target column
  bool classification;           // class labels (else a numeric regression target)
  std::string_view description;  // what the columns are
  std::string_view source;       // provenance and licence
};

/// Every built-in data set, in a fixed order.
std::span<const BuiltinInfo> builtin_datasets();
/// The entry for `name`; an unknown name is an error listing the available ones.
const BuiltinInfo& builtin_info(std::string_view name);
/// The embedded CSV text of `name`, byte for byte the file in data/.
std::string_view builtin_csv(std::string_view name);
/// The provenance document of the data sets (data/README.md).
std::string_view builtin_readme();
/// The data set parsed: class names for iris and digits, a numeric target for seed-linear and
/// diabetes.
CsvData load_builtin(std::string_view name);

}  // namespace lockstep
