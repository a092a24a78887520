// prepare_data on built-in sets: split sizes, a split that is a seeded partition of the data,
// standardization with the training split's statistics only; load_labeled_data and
// gather_rows.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "io/io_test_util.hpp"
#include "lockstep/data/npy.hpp"
#include "lockstep/train/prepared_data.hpp"

namespace lockstep {
namespace {

using testing::error_of;

TrainConfig iris(double val_split = 0.2, bool standardize = true, std::uint64_t seed = 1) {
  TrainConfig c;
  c.data = "iris";
  c.val_split = val_split;
  c.standardize = standardize;
  c.seed = seed;
  return c;
}

DataSource iris_source() {
  DataSource s;
  s.path = "iris";
  return s;
}

std::vector<std::vector<float>> rows_of(const Tensor& t) {
  std::vector<std::vector<float>> out;
  for (Index i = 0; i < t.rows(); ++i)
    out.emplace_back(t.data() + i * t.cols(), t.data() + (i + 1) * t.cols());
  return out;
}

// Rows with their label appended, sorted: a multiset to compare sets of samples.
std::vector<std::vector<float>> samples_of(const Tensor& x, const Tensor& y) {
  std::vector<std::vector<float>> out = rows_of(x);
  const auto labels = rows_of(y);
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i].insert(out[i].end(), labels[i].begin(), labels[i].end());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<double> column_means(const Tensor& x) {
  std::vector<double> mean(std::size_t(x.cols()), 0.0);
  for (Index i = 0; i < x.rows(); ++i)
    for (Index j = 0; j < x.cols(); ++j) mean[std::size_t(j)] += x(i, j);
  for (double& m : mean) m /= double(x.rows());
  return mean;
}

std::vector<double> column_stddevs(const Tensor& x) {
  const std::vector<double> mean = column_means(x);
  std::vector<double> var(std::size_t(x.cols()), 0.0);
  for (Index i = 0; i < x.rows(); ++i)
    for (Index j = 0; j < x.cols(); ++j) {
      const double d = x(i, j) - mean[std::size_t(j)];
      var[std::size_t(j)] += d * d;
    }
  for (double& v : var) v = std::sqrt(v / double(x.rows()));
  return var;
}

TEST(PrepareData, IrisSplitSizesAndClasses) {
  const PreparedData d = prepare_data(iris());
  EXPECT_EQ(d.x_train.rows(), 120);
  EXPECT_EQ(d.x_val.rows(), 30);
  EXPECT_EQ(d.x_train.cols(), 4);
  EXPECT_EQ(d.x_val.cols(), 4);
  EXPECT_EQ(d.y_train.rows(), 120);
  EXPECT_EQ(d.y_val.rows(), 30);
  EXPECT_EQ(d.y_train.cols(), 1);
  EXPECT_TRUE(d.has_val());
  EXPECT_TRUE(d.classification);
  EXPECT_EQ(d.class_names.size(), 3u);
  EXPECT_EQ(d.outputs(), 3);
  EXPECT_EQ(d.feature_names.size(), 4u);
  for (const Tensor* y : {&d.y_train, &d.y_val})
    for (float v : y->span()) {
      EXPECT_GE(v, 0);
      EXPECT_LT(v, 3);
      EXPECT_EQ(v, std::floor(v));
    }
}

TEST(PrepareData, TheSplitsPartitionTheDataSet) {
  const LabeledData all = load_labeled_data(iris_source());
  ASSERT_EQ(all.x.rows(), 150);
  for (double frac : {0.1, 0.2, 0.5}) {
    const PreparedData d = prepare_data(iris(frac, /*standardize=*/false));
    EXPECT_EQ(d.x_train.rows() + d.x_val.rows(), 150) << frac;
    EXPECT_NEAR(double(d.x_val.rows()), 150 * frac, 1.0) << frac;
    // Every sample in exactly one split, with its own label.
    std::vector<std::vector<float>> both = samples_of(d.x_train, d.y_train);
    const auto val = samples_of(d.x_val, d.y_val);
    both.insert(both.end(), val.begin(), val.end());
    std::sort(both.begin(), both.end());
    EXPECT_EQ(both, samples_of(all.x, all.y)) << frac;
  }
}

TEST(PrepareData, TheSplitIsSeeded) {
  const PreparedData a = prepare_data(iris(0.2, false, 1));
  const PreparedData b = prepare_data(iris(0.2, false, 1));
  const PreparedData c = prepare_data(iris(0.2, false, 2));
  EXPECT_EQ(a.x_val.to_vector(), b.x_val.to_vector());
  EXPECT_EQ(a.y_train.to_vector(), b.y_train.to_vector());
  EXPECT_NE(samples_of(a.x_val, a.y_val), samples_of(c.x_val, c.y_val));
}

TEST(PrepareData, StandardizesWithTheTrainingSplitsStatisticsOnly) {
  const PreparedData raw = prepare_data(iris(0.2, /*standardize=*/false));
  const PreparedData d = prepare_data(iris(0.2, /*standardize=*/true));
  EXPECT_FALSE(raw.scaler.fitted());
  ASSERT_TRUE(d.scaler.fitted());

  // The statistics are the raw training split's (population std), not the whole set's.
  const std::vector<double> mean = column_means(raw.x_train);
  const std::vector<double> stddev = column_stddevs(raw.x_train);
  const LabeledData all = load_labeled_data(iris_source());
  const std::vector<double> all_mean = column_means(all.x);
  ASSERT_EQ(d.scaler.mean().size(), 4u);
  ASSERT_EQ(d.scaler.stddev().size(), 4u);
  for (std::size_t j = 0; j < 4; ++j) {
    EXPECT_NEAR(d.scaler.mean()[j], mean[j], 1e-5) << j;
    EXPECT_NEAR(d.scaler.stddev()[j], stddev[j], 1e-5) << j;
    EXPECT_GT(std::abs(mean[j] - all_mean[j]), 1e-4) << j << ": the test cannot tell them apart";
  }

  // The training split comes out with mean 0 and std 1; both splits by the same statistics.
  for (double m : column_means(d.x_train)) EXPECT_NEAR(m, 0, 1e-5);
  for (double s : column_stddevs(d.x_train)) EXPECT_NEAR(s, 1, 1e-5);
  for (Index i = 0; i < raw.x_val.rows(); ++i)
    for (Index j = 0; j < 4; ++j)
      EXPECT_NEAR(d.x_val(i, j), (raw.x_val(i, j) - mean[std::size_t(j)]) / stddev[std::size_t(j)],
                  1e-4);
  // Labels are not standardized.
  EXPECT_EQ(d.y_train.to_vector(), raw.y_train.to_vector());
  EXPECT_EQ(d.y_val.to_vector(), raw.y_val.to_vector());
}

TEST(PrepareData, NoValidationSplit) {
  const PreparedData d = prepare_data(iris(0));
  EXPECT_EQ(d.x_train.rows(), 150);
  EXPECT_FALSE(d.has_val());
}

TEST(PrepareData, ARegressionSet) {
  TrainConfig c;
  c.data = "diabetes";
  const PreparedData d = prepare_data(c);
  EXPECT_FALSE(d.classification);
  EXPECT_TRUE(d.class_names.empty());
  EXPECT_EQ(d.outputs(), d.y_train.cols());
  EXPECT_EQ(d.y_train.cols(), 1);
  EXPECT_TRUE(d.has_val());
  // As regression the class ids of Iris are numbers.
  TrainConfig r = iris();
  r.task = "regression";
  EXPECT_FALSE(prepare_data(r).classification);
}

TEST(PrepareData, SyntheticSetsHaveTheRequestedShape) {
  TrainConfig c;
  c.data = "synthetic-classification";
  c.samples = 50;
  c.features = 3;
  c.classes = 5;
  c.val_split = 0.2;
  const PreparedData d = prepare_data(c);
  EXPECT_EQ(d.x_train.rows() + d.x_val.rows(), 50);
  EXPECT_EQ(d.x_train.cols(), 3);
  EXPECT_EQ(d.outputs(), 5);
}

TEST(PrepareData, Errors) {
  TrainConfig unknown;
  unknown.data = "no-such-set";
  EXPECT_MESSAGE_HAS(error_of([&] { prepare_data(unknown); }), "no-such-set", "iris", "digits");
  TrainConfig csv;
  csv.data = "/nonexistent/file.csv";
  EXPECT_MESSAGE_HAS(error_of([&] { prepare_data(csv); }), "--data", "/nonexistent/file.csv");
  TrainConfig tiny;
  tiny.data = "synthetic-regression";
  tiny.samples = 2;
  tiny.val_split = 0.01;
  EXPECT_MESSAGE_HAS(error_of([&] { prepare_data(tiny); }), "--val-split", "empty split");
  TrainConfig npy;
  npy.data = "/nonexistent/x.npy";
  EXPECT_MESSAGE_HAS(error_of([&] { prepare_data(npy); }), "/nonexistent/x.npy");
}

// For predictions: the features by name (a built-in set too), and no labels file needed.
TEST(LoadLabeledData, FeaturesOnlyChosenByName) {
  const LabeledData all = load_labeled_data(iris_source());
  DataSource s = iris_source();
  s.feature_names = {"petal_width", "sepal_length"};
  s.need_target = false;
  const LabeledData d = load_labeled_data(s);
  ASSERT_EQ(d.x.shape(), (Shape{150, 2}));
  for (Index i = 0; i < 150; ++i) {
    EXPECT_EQ(d.x(i, 0), all.x(i, 3));
    EXPECT_EQ(d.x(i, 1), all.x(i, 0));
  }
  EXPECT_FALSE(d.y.defined());
  EXPECT_FALSE(d.classification);
  EXPECT_EQ(d.feature_names, s.feature_names);
  s.feature_names = {"sepal_length", "petal_size", "colour"};
  EXPECT_MESSAGE_HAS(error_of([&] { load_labeled_data(s); }), "iris",
                     "no column named 'petal_size', 'colour'");

  io_test::TempDir dir;
  save_npy(dir / "x.npy", all.x);
  DataSource npy;
  npy.path = (dir / "x.npy").string();
  EXPECT_MESSAGE_HAS(error_of([&] { load_labeled_data(npy); }), "--labels");
  npy.need_target = false;
  const LabeledData x = load_labeled_data(npy);
  EXPECT_EQ(x.x.to_vector(), all.x.to_vector());
  EXPECT_FALSE(x.y.defined());
}

TEST(GatherRows, CopiesTheGivenRowsInOrder) {
  const Tensor t = Tensor::from_rows({{1, 2}, {3, 4}, {5, 6}});
  const Tensor g = gather_rows(t, {2, 0, 2});
  EXPECT_EQ(g.shape(), (Shape{3, 2}));
  EXPECT_EQ(g.to_vector(), (std::vector<float>{5, 6, 1, 2, 5, 6}));
  EXPECT_EQ(gather_rows(t, {}).rows(), 0);
}

}  // namespace
}  // namespace lockstep
