// ConfusionMatrix: counts (rows: target, columns: prediction), accuracy, precision and recall
// (0 for an empty denominator), merging, the printed table, and its checks.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "lockstep/core/error.hpp"
#include "lockstep/metrics/accuracy.hpp"
#include "lockstep/metrics/confusion_matrix.hpp"

namespace lockstep {
namespace {

// Predictions 0, 1, 1, 2, 0, 1 for targets 0, 1, 2, 2, 1, 1.
const Tensor kScores = Tensor::from_rows({{0.9f, 0.05f, 0.05f},
                                          {0.1f, 0.8f, 0.1f},
                                          {0.2f, 0.5f, 0.3f},
                                          {0.1f, 0.1f, 0.8f},
                                          {0.6f, 0.3f, 0.1f},
                                          {0.0f, 1.0f, 0.0f}});
const Tensor kTargets = Tensor::column(std::vector<float>{0, 1, 2, 2, 1, 1});

TEST(ConfusionMatrix, CountsPrecisionRecallAccuracy) {
  ConfusionMatrix cm(3);
  cm.update(kScores, kTargets);
  EXPECT_EQ(cm.counts(), (std::vector<std::int64_t>{1, 0, 0,     // target 0
                                                    1, 2, 0,     // target 1
                                                    0, 1, 1}));  // target 2
  EXPECT_EQ(cm.total(), 6);
  EXPECT_EQ(cm.count(2, 1), 1);
  EXPECT_DOUBLE_EQ(cm.accuracy(), 4.0 / 6.0);
  EXPECT_DOUBLE_EQ(cm.accuracy(), accuracy(kScores, kTargets));
  EXPECT_DOUBLE_EQ(cm.precision(0), 0.5);  // predicted 0: targets 0, 1
  EXPECT_DOUBLE_EQ(cm.precision(1), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(cm.precision(2), 1.0);
  EXPECT_DOUBLE_EQ(cm.recall(0), 1.0);
  EXPECT_DOUBLE_EQ(cm.recall(1), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(cm.recall(2), 0.5);
}

TEST(ConfusionMatrix, AccumulatesMergesAndResets) {
  ConfusionMatrix a(3), b(3);
  a.update(kScores, kTargets);
  a.update(kScores, kTargets);
  b.update(kScores, kTargets);
  b.add(2, 0);
  b.merge(a);
  EXPECT_EQ(b.total(), 19);
  EXPECT_EQ(b.count(1, 1), 6);
  EXPECT_EQ(b.count(2, 0), 1);
  b.reset();
  EXPECT_EQ(b.total(), 0);
  EXPECT_EQ(b.accuracy(), 0.0);
  EXPECT_EQ(b.precision(1), 0.0);  // nothing predicted: 0, not NaN
  EXPECT_EQ(b.recall(1), 0.0);
  EXPECT_THROW(b.merge(ConfusionMatrix(2)), Error);
}

TEST(ConfusionMatrix, PrintsATable) {
  ConfusionMatrix cm(3, {"setosa", "versicolor", "virginica"});
  cm.update(kScores, kTargets);
  std::ostringstream out;
  out << cm;
  EXPECT_EQ(out.str(),
            "target \\ predicted      setosa  versicolor   virginica      recall\n"
            "setosa                       1           0           0      1.0000\n"
            "versicolor                   1           2           0      0.6667\n"
            "virginica                    0           1           1      0.5000\n"
            "precision               0.5000      0.6667      1.0000\n"
            "accuracy 0.6667 (4 of 6)\n");
  ConfusionMatrix numbered(2);
  numbered.add(0, 0);
  EXPECT_EQ(numbered.to_string(),
            "target \\ predicted       0       1  recall\n"
            "0                        1       0  1.0000\n"
            "1                        0       0  0.0000\n"
            "precision           1.0000  0.0000\n"
            "accuracy 1.0000 (1 of 1)\n");
}

TEST(ConfusionMatrix, ErrorsNameTheRowAndValue) {
  ConfusionMatrix cm(3);
  try {
    cm.update(kScores, Tensor::column(std::vector<float>{0, 1, 2, 5, 1, 1}));
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "ConfusionMatrix::update: target at row 3 is 5, outside the class range [0, 3)");
  }
  EXPECT_EQ(cm.total(), 0);  // nothing counted from the bad batch
  EXPECT_THROW(cm.update(Tensor(6, 4), kTargets), Error);
  EXPECT_THROW(cm.add(3, 0), Error);
  EXPECT_THROW(cm.count(0, -1), Error);
  EXPECT_THROW(ConfusionMatrix(0), Error);
  EXPECT_THROW(ConfusionMatrix(2, {"a"}), Error);
}

}  // namespace
}  // namespace lockstep
