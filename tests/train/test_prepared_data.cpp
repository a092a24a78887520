// prepare_data on built-in sets: split sizes, a split that is a seeded partition of the data,
// standardization with the training split's statistics only; load_labeled_data and
// gather_rows.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "io/io_test_util.hpp"
#include "lockstep/core/rng.hpp"
#include "lockstep/data/npy.hpp"
#include "lockstep/tensor/random.hpp"
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

// A prepared split's samples, copied out of its dataset: its features (X) and targets (Y).
std::pair<Tensor, Tensor> samples(const std::shared_ptr<const Dataset>& ds) {
  Tensor x(Shape{ds->size(), ds->feature_dim()}), y(Shape{ds->size(), ds->target_dim()});
  std::vector<Index> all(std::size_t(ds->size()));
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = Index(i);
  ds->get_batch(all, x, y);
  return {x, y};
}
Tensor X(const std::shared_ptr<const Dataset>& ds) { return samples(ds).first; }
Tensor Y(const std::shared_ptr<const Dataset>& ds) { return samples(ds).second; }

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
  EXPECT_EQ(X(d.train).rows(), 120);
  EXPECT_EQ(X(d.val).rows(), 30);
  EXPECT_EQ(X(d.train).cols(), 4);
  EXPECT_EQ(X(d.val).cols(), 4);
  EXPECT_EQ(Y(d.train).rows(), 120);
  EXPECT_EQ(Y(d.val).rows(), 30);
  EXPECT_EQ(Y(d.train).cols(), 1);
  EXPECT_TRUE(d.has_val());
  EXPECT_TRUE(d.classification);
  EXPECT_EQ(d.class_names.size(), 3u);
  EXPECT_EQ(d.outputs(), 3);
  EXPECT_EQ(d.feature_names.size(), 4u);
  for (const Tensor& y : {Y(d.train), Y(d.val)})
    for (float v : y.span()) {
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
    EXPECT_EQ(X(d.train).rows() + X(d.val).rows(), 150) << frac;
    EXPECT_NEAR(double(X(d.val).rows()), 150 * frac, 1.0) << frac;
    // Every sample in exactly one split, with its own label.
    std::vector<std::vector<float>> both = samples_of(X(d.train), Y(d.train));
    const auto val = samples_of(X(d.val), Y(d.val));
    both.insert(both.end(), val.begin(), val.end());
    std::sort(both.begin(), both.end());
    EXPECT_EQ(both, samples_of(all.x, all.y)) << frac;
  }
}

TEST(PrepareData, TheSplitIsSeeded) {
  const PreparedData a = prepare_data(iris(0.2, false, 1));
  const PreparedData b = prepare_data(iris(0.2, false, 1));
  const PreparedData c = prepare_data(iris(0.2, false, 2));
  EXPECT_EQ(X(a.val).to_vector(), X(b.val).to_vector());
  EXPECT_EQ(Y(a.train).to_vector(), Y(b.train).to_vector());
  EXPECT_NE(samples_of(X(a.val), Y(a.val)), samples_of(X(c.val), Y(c.val)));
}

TEST(PrepareData, StandardizesWithTheTrainingSplitsStatisticsOnly) {
  const PreparedData raw = prepare_data(iris(0.2, /*standardize=*/false));
  const PreparedData d = prepare_data(iris(0.2, /*standardize=*/true));
  EXPECT_FALSE(raw.scaler.fitted());
  ASSERT_TRUE(d.scaler.fitted());

  // The statistics are the raw training split's (population std), not the whole set's.
  const std::vector<double> mean = column_means(X(raw.train));
  const std::vector<double> stddev = column_stddevs(X(raw.train));
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
  for (double m : column_means(X(d.train))) EXPECT_NEAR(m, 0, 1e-5);
  for (double s : column_stddevs(X(d.train))) EXPECT_NEAR(s, 1, 1e-5);
  const Tensor raw_val = X(raw.val), val = X(d.val);
  for (Index i = 0; i < raw_val.rows(); ++i)
    for (Index j = 0; j < 4; ++j)
      EXPECT_NEAR(val(i, j), (raw_val(i, j) - mean[std::size_t(j)]) / stddev[std::size_t(j)], 1e-4);
  // Labels are not standardized.
  EXPECT_EQ(Y(d.train).to_vector(), Y(raw.train).to_vector());
  EXPECT_EQ(Y(d.val).to_vector(), Y(raw.val).to_vector());
}

TEST(PrepareData, NoValidationSplit) {
  const PreparedData d = prepare_data(iris(0));
  EXPECT_EQ(X(d.train).rows(), 150);
  EXPECT_FALSE(d.has_val());
}

TEST(PrepareData, ARegressionSet) {
  TrainConfig c;
  c.data = "diabetes";
  const PreparedData d = prepare_data(c);
  EXPECT_FALSE(d.classification);
  EXPECT_TRUE(d.class_names.empty());
  EXPECT_EQ(d.outputs(), Y(d.train).cols());
  EXPECT_EQ(Y(d.train).cols(), 1);
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
  EXPECT_EQ(X(d.train).rows() + X(d.val).rows(), 50);
  EXPECT_EQ(X(d.train).cols(), 3);
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

// Writes x and y as a CSV with columns x0.., label, every float in 9 significant digits (so
// it reads back to the same bits).
void write_csv(const std::filesystem::path& path, const Tensor& x, const Tensor& y) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  for (Index j = 0; j < x.cols(); ++j) std::fprintf(f, "x%lld,", (long long)j);
  std::fprintf(f, "label\n");
  for (Index i = 0; i < x.rows(); ++i) {
    for (Index j = 0; j < x.cols(); ++j) std::fprintf(f, "%.9g,", double(x(i, j)));
    std::fprintf(f, "%.9g\n", double(y(i, 0)));
  }
  std::fclose(f);
}

// A .npy training file is read through its mapping (statistics streamed, the split a view of
// its rows, standardized as rows are read); the samples it gives are bit for bit those of the
// same numbers held in memory (here, read from a CSV).
TEST(PrepareData, ANpyFileGivesTheBitsOfTheSameDataInMemory) {
  io_test::TempDir dir;
  Generator gen(11);
  Tensor x = randn({300, 5}, gen), y = randn({300, 1}, gen);
  for (Index i = 0; i < x.rows(); ++i) x(i, 2) = x(i, 2) * 50.0f + 7.0f;
  Tensor vx = randn({40, 5}, gen), vy = randn({40, 1}, gen);
  save_npy(dir / "x.npy", x);
  save_npy(dir / "y.npy", y);
  save_npy(dir / "vx.npy", vx);
  save_npy(dir / "vy.npy", vy);
  write_csv(dir / "xy.csv", x, y);
  write_csv(dir / "v.csv", vx, vy);
  struct Case {
    double val_split;
    bool standardize;
    bool val_file;
  };
  for (const Case k : {Case{0.25, true, false}, Case{0.0, false, false}, Case{0.0, true, true},
                       Case{0.1, false, false}}) {
    TrainConfig npy, csv;
    npy.data = (dir / "x.npy").string();
    npy.labels = (dir / "y.npy").string();
    csv.data = (dir / "xy.csv").string();
    for (TrainConfig* c : {&npy, &csv}) {
      c->val_split = k.val_split;
      c->standardize = k.standardize;
      c->seed = 5;
    }
    if (k.val_file) {
      npy.val = (dir / "vx.npy").string();
      npy.val_labels = (dir / "vy.npy").string();
      csv.val = (dir / "v.csv").string();
    }
    const PreparedData a = prepare_data(npy), b = prepare_data(csv);
    const std::string label = "split " + std::to_string(k.val_split) +
                              (k.standardize ? " standardized" : "") + (k.val_file ? " --val" : "");
    EXPECT_FALSE(a.classification) << label;
    EXPECT_EQ(X(a.train).to_vector(), X(b.train).to_vector()) << label;
    EXPECT_EQ(Y(a.train).to_vector(), Y(b.train).to_vector()) << label;
    ASSERT_EQ(a.has_val(), b.has_val()) << label;
    ASSERT_EQ(a.has_val(), k.val_split > 0 || k.val_file) << label;
    if (a.has_val()) {
      EXPECT_EQ(X(a.val).to_vector(), X(b.val).to_vector()) << label;
      EXPECT_EQ(Y(a.val).to_vector(), Y(b.val).to_vector()) << label;
    }
    EXPECT_EQ(a.scaler.mean(), b.scaler.mean()) << label;
    EXPECT_EQ(a.scaler.stddev(), b.scaler.stddev()) << label;
    EXPECT_EQ(a.scaler.fitted(), k.standardize) << label;
    // One sample at a time reads what the batch read.
    Example e = a.train->get(a.train->size() - 1);
    const Tensor all = X(a.train);
    EXPECT_EQ(e.x.to_vector(), all.rows_view(all.rows() - 1, 1).to_vector()) << label;
  }
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
