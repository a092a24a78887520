#include <gtest/gtest.h>

#include <cmath>

#include "lockstep/core/error.hpp"
#include "lockstep/data/standardizer.hpp"

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

}  // namespace
}  // namespace lockstep
