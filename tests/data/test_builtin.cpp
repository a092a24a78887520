#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "data/reader_test_util.hpp"
#include "lockstep/data/builtin.hpp"

namespace lockstep {
namespace {

using testing::error_of;

std::string file_text(const std::string& name) {
  std::ifstream in(std::string(LOCKSTEP_DATA_DIR) + "/" + name, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Builtin, EmbeddedTextsAreTheFilesByteForByte) {
  for (const BuiltinInfo& info : builtin_datasets()) {
    const std::string on_disk = file_text(std::string(info.file));
    ASSERT_FALSE(on_disk.empty()) << info.file;
    EXPECT_EQ(builtin_csv(info.name), on_disk) << info.name;
  }
  EXPECT_EQ(builtin_readme(), file_text("README.md"));
}

TEST(Builtin, Iris) {
  CsvData iris = load_builtin("iris");
  EXPECT_EQ(iris.features.shape(), (Shape{150, 4}));
  EXPECT_EQ(iris.targets.shape(), (Shape{150, 1}));
  EXPECT_EQ(iris.class_names, (std::vector<std::string>{"setosa", "versicolor", "virginica"}));
  EXPECT_EQ(iris.target_name, "species");
  EXPECT_EQ(iris.features.at(0, 0), 5.1f);
  EXPECT_EQ(iris.features.at(149, 3), 1.8f);
  EXPECT_EQ(iris.targets.at(149, 0), 2.0f);
}

TEST(Builtin, DigitsAreTenClassesInNumericOrder) {
  CsvData digits = load_builtin("digits");
  EXPECT_EQ(digits.features.shape(), (Shape{1797, 64}));
  ASSERT_EQ(digits.num_classes(), 10);
  for (int c = 0; c < 10; ++c)
    EXPECT_EQ(digits.class_names[static_cast<std::size_t>(c)], std::to_string(c));
  EXPECT_EQ(digits.feature_names.front(), "p0");
  EXPECT_EQ(digits.feature_names.back(), "p63");
  // First row of data/digits.csv: label 0, pixel p2 = 5.
  EXPECT_EQ(digits.targets.at(0, 0), 0.0f);
  EXPECT_EQ(digits.features.at(0, 2), 5.0f);
  EXPECT_EQ(digits.targets.at(1, 0), 1.0f);
  float max_pixel = 0;
  for (float v : digits.features.span()) max_pixel = std::max(max_pixel, v);
  EXPECT_EQ(max_pixel, 16.0f);
}

TEST(Builtin, RegressionSets) {
  CsvData seed = load_builtin("seed-linear");
  EXPECT_EQ(seed.features.shape(), (Shape{10, 1}));
  EXPECT_FALSE(seed.is_classification());
  EXPECT_EQ(seed.features.to_vector(), (std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(seed.targets.to_vector(),
            (std::vector<float>{1.0f, 1.3f, 3.1f, 2.0f, 5.0f, 6.3f, 6.6f, 7.4f, 8.0f, 9.0f}));
  CsvData diabetes = load_builtin("diabetes");
  EXPECT_EQ(diabetes.features.shape(), (Shape{442, 10}));
  EXPECT_FALSE(diabetes.is_classification());
  EXPECT_EQ(diabetes.target_name, "progression");
  EXPECT_EQ(diabetes.targets.at(0, 0), 151.0f);
  EXPECT_EQ(diabetes.features.at(0, 8), 4.8598f);
}

TEST(Builtin, InfoAndProvenance) {
  EXPECT_EQ(builtin_datasets().size(), 4u);
  const BuiltinInfo& iris = builtin_info("iris");
  EXPECT_EQ(iris.rows, 150);
  EXPECT_TRUE(iris.classification);
  EXPECT_NE(iris.source.find("Fisher"), std::string_view::npos);
  EXPECT_NE(builtin_info("diabetes").source.find("Efron"), std::string_view::npos);
  EXPECT_NE(builtin_readme().find("Fisher (1936)"), std::string_view::npos);
  for (const BuiltinInfo& info : builtin_datasets()) {
    CsvData d = load_builtin(info.name);
    EXPECT_EQ(d.size(), info.rows) << info.name;
    EXPECT_EQ(d.features.cols(), info.features) << info.name;
    EXPECT_EQ(d.is_classification(), info.classification) << info.name;
    EXPECT_EQ(d.target_name, info.target) << info.name;
  }
}

TEST(Builtin, UnknownNameListsTheAvailableOnes) {
  const std::string msg = error_of([] { load_builtin("mnist"); });
  EXPECT_CONTAINS(msg, "unknown built-in data set 'mnist'");
  EXPECT_CONTAINS(msg, "seed-linear, iris, digits, diabetes");
  EXPECT_CONTAINS(error_of([] { builtin_csv("Iris"); }), "'Iris'");
}

}  // namespace
}  // namespace lockstep
