#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <numeric>
#include <vector>

#include "lockstep/core/error.hpp"
#include "lockstep/core/rng.hpp"
#include "lockstep/data/standardizer.hpp"
#include "lockstep/data/subset.hpp"
#include "lockstep/data/tensor_dataset.hpp"
#include "lockstep/tensor/random.hpp"

namespace lockstep {
namespace {

TEST(Standardizer, UsesPopulationStdLikeNumpy) {
  // np.arange(10): mean 4.5, np.std = sqrt(8.25) = 2.8722813...
  Tensor x(10, 1);
  for (int i = 0; i < 10; ++i) x(i, 0) = float(i);
  Standardizer s;
  Tensor z = s.fit_transform(x);
  EXPECT_FLOAT_EQ(s.mean()[0], 4.5f);
  EXPECT_FLOAT_EQ(s.stddev()[0], std::sqrt(8.25f));
  EXPECT_FLOAT_EQ(z(0, 0), -4.5f / std::sqrt(8.25f));
  double sum = 0, sq = 0;
  for (float v : z.span()) {
    sum += v;
    sq += double(v) * v;
  }
  EXPECT_NEAR(sum / 10, 0.0, 1e-6);
  EXPECT_NEAR(sq / 10, 1.0, 1e-5);
}

TEST(Standardizer, PerFeatureAndAppliesTrainingStatisticsToOtherData) {
  Tensor train = Tensor::from_rows({{1, 100}, {3, 300}});
  Standardizer s;
  s.fit(train);
  Tensor test = s.transform(Tensor::from_rows({{2, 400}}));
  EXPECT_FLOAT_EQ(test(0, 0), 0.0f);
  EXPECT_FLOAT_EQ(test(0, 1), 2.0f);
  Tensor back = s.inverse_transform(test);
  EXPECT_FLOAT_EQ(back(0, 1), 400.0f);
}

TEST(Standardizer, ZeroVarianceIsAnErrorNamingTheFeatureUnlessKept) {
  Tensor x = Tensor::from_rows({{1, 5}, {2, 5}, {3, 5}});
  try {
    Standardizer().fit(x);
    FAIL();
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("feature 1"), std::string::npos) << m;
    EXPECT_NE(m.find("every value is 5"), std::string::npos) << m;
  }
  Standardizer keep({.keep_constant = true});
  Tensor z = keep.fit_transform(x);
  EXPECT_EQ(z(0, 1), 0.0f);
  EXPECT_EQ(z(2, 1), 0.0f);
}

TEST(Standardizer, MisuseIsAnError) {
  Standardizer s;
  EXPECT_THROW(s.transform(Tensor(2, 2)), Error);
  s.fit(Tensor::from_rows({{1, 2}, {3, 5}}));
  EXPECT_THROW(s.transform(Tensor(2, 3)), Error);
  EXPECT_THROW(Standardizer().fit(Tensor(0, 3)), Error);
  EXPECT_THROW(s.set_statistics({0}, {0}), Error);
}

// A dataset is fitted in streamed chunks (2048 columns: 512 rows a chunk, so 1300 rows take
// three, the last short) with exactly the statistics of the same rows in a tensor, and those
// are numpy's mean and population std.
TEST(Standardizer, FittingADatasetInChunksGivesTheTensorsStatistics) {
  const Index n = 1300, d = 2048;
  Generator gen(7);
  Tensor x = randn({n, d}, gen);
  for (Index i = 0; i < n; ++i) x(i, 5) = x(i, 5) * 1e3f + 2e4f;  // large mean, large spread
  const auto data = std::make_shared<TensorDataset>(x, Tensor(Shape{n, 1}));
  Standardizer from_tensor, from_dataset;
  from_tensor.fit(x);
  from_dataset.fit(*data);
  EXPECT_EQ(from_dataset.mean(), from_tensor.mean());
  EXPECT_EQ(from_dataset.stddev(), from_tensor.stddev());
  for (const Index c : {Index(0), Index(5), d - 1}) {
    double m = 0, ss = 0;
    for (Index i = 0; i < n; ++i) m += x(i, c);
    m /= double(n);
    for (Index i = 0; i < n; ++i) ss += (x(i, c) - m) * (x(i, c) - m);
    EXPECT_NEAR(from_dataset.mean()[std::size_t(c)], m, 1e-6 * (1 + std::abs(m))) << c;
    EXPECT_NEAR(from_dataset.stddev()[std::size_t(c)], std::sqrt(ss / double(n)),
                1e-6 * std::sqrt(ss / double(n)))
        << c;
  }

  // A view (rows in a shuffled order) is fitted as the same rows gathered into a tensor.
  std::vector<Index> rows(700);
  std::iota(rows.begin(), rows.end(), Index(100));
  std::reverse(rows.begin(), rows.end());
  Tensor gathered(Shape{Index(rows.size()), d});
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (Index c = 0; c < d; ++c) gathered(Index(i), c) = x(rows[i], c);
  Standardizer of_view, of_gathered;
  of_view.fit(Subset(data, rows));
  of_gathered.fit(gathered);
  EXPECT_EQ(of_view.mean(), of_gathered.mean());
  EXPECT_EQ(of_view.stddev(), of_gathered.stddev());
  EXPECT_NE(of_view.mean(), from_tensor.mean());
}

TEST(Standardizer, TransformRowIsTransformsArithmetic) {
  Generator gen(3);
  Tensor x = randn({50, 7}, gen);
  for (float& v : x.span()) v = v * 3.0f + 1.0f;
  Standardizer s;
  s.fit(x);
  const Tensor whole = s.transform(x);
  for (Index i = 0; i < x.rows(); ++i) {
    std::vector<float> row(x.data() + i * 7, x.data() + (i + 1) * 7);
    s.transform_row(row);
    EXPECT_EQ(row, std::vector<float>(whole.data() + i * 7, whole.data() + (i + 1) * 7)) << i;
  }
  std::vector<float> wrong(6);
  EXPECT_THROW(s.transform_row(wrong), Error);
  const auto empty = std::make_shared<TensorDataset>(Tensor(Shape{0, 2}), Tensor(Shape{0, 1}));
  EXPECT_THROW(Standardizer().fit(*empty), Error);
}

}  // namespace
}  // namespace lockstep
