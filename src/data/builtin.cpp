#include "lockstep/data/builtin.hpp"

#include <array>
#include <string>

#include "data/embedded_files.hpp"
#include "lockstep/core/error.hpp"

namespace lockstep {
namespace {

// Provenance as in data/README.md.
constexpr std::array<BuiltinInfo, 4> kBuiltins = {{
    {"seed-linear", "seed_linear.csv", 10, 1, "y", false, "x (0..9) and a real y",
     "the linear-regression toy data of the textbook chapter \"Parallelizing Neural Network "
     "Training with PyTorch\" (Raschka et al., Machine Learning with PyTorch and Scikit-Learn, "
     "ch. 12)"},
    {"iris", "iris.csv", 150, 4, "species", true,
     "4 measurements (cm); species: setosa, versicolor, virginica",
     "R. A. Fisher (1936), UCI Machine Learning Repository, CC BY 4.0"},
    {"digits", "digits.csv", 1797, 64, "digit", true,
     "p0..p63, 8x8 pixel counts 0..16; digit: 0..9",
     "E. Alpaydin, C. Kaynak (1998), UCI \"Optical Recognition of Handwritten Digits\" (test "
     "part), CC BY 4.0"},
    {"diabetes", "diabetes.csv", 442, 10, "progression", false,
     "10 baseline variables (unscaled); progression: disease progression after one year, real",
     "B. Efron et al. (2004), \"Least Angle Regression\", Annals of Statistics"},
}};

std::string_view embedded(std::string_view file) {
  for (std::size_t i = 0; i < detail::kEmbeddedFileCount; ++i) {
    const detail::EmbeddedFile& f = detail::kEmbeddedFiles[i];
    if (file == f.name) return {reinterpret_cast<const char*>(f.data), f.size};
  }
  detail::throw_error(
      detail::str_cat("built-in data: the file '", file, "' was not embedded in the library"));
}

}  // namespace

std::span<const BuiltinInfo> builtin_datasets() { return kBuiltins; }

const BuiltinInfo& builtin_info(std::string_view name) {
  for (const BuiltinInfo& info : kBuiltins) {
    if (info.name == name) return info;
  }
  std::string names;
  for (const BuiltinInfo& info : kBuiltins) {
    if (!names.empty()) names += ", ";
    names += info.name;
  }
  detail::throw_error(detail::str_cat("unknown built-in data set '", name,
                                      "'; the built-in data sets are: ", names));
}

std::string_view builtin_csv(std::string_view name) { return embedded(builtin_info(name).file); }

std::string_view builtin_readme() { return embedded("README.md"); }

CsvData load_builtin(std::string_view name) {
  const BuiltinInfo& info = builtin_info(name);
  CsvOptions options;
  options.target = std::string(info.target);
  options.target_kind = info.classification ? CsvTargetKind::kClasses : CsvTargetKind::kNumeric;
  CsvData data =
      parse_csv(embedded(info.file), options, std::string("built-in ") + std::string(info.file));
  LOCKSTEP_CHECK(data.size() == info.rows && data.features.cols() == info.features,
                 "built-in data set '", name, "' has shape ", data.features.shape(), ", expected [",
                 info.rows, ", ", info.features, "]");
  return data;
}

}  // namespace lockstep
