// accuracy, count_correct and argmax_rows: argmax with torch.argmax's tie and NaN rules, and
// errors naming the offending row and value.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "lockstep/core/error.hpp"
#include "lockstep/metrics/accuracy.hpp"

namespace lockstep {
namespace {

// Class ids as a [n, 1] target column.
Tensor ids(std::vector<float> values) { return Tensor::column(values); }

TEST(Accuracy, CountsRowsWhoseArgmaxIsTheTarget) {
  const Tensor logits = Tensor::from_rows({{2.0f, 1.0f, 0.5f},     // 0
                                           {-1.0f, 3.0f, 2.9f},    // 1
                                           {0.1f, 0.2f, 0.3f},     // 2
                                           {5.0f, -5.0f, 4.0f}});  // 0
  const Tensor targets = ids({0, 2, 2, 0});
  EXPECT_EQ(count_correct(logits, targets), 3);
  EXPECT_DOUBLE_EQ(accuracy(logits, targets), 0.75);
  EXPECT_EQ(argmax_rows(logits), (std::vector<Index>{0, 1, 2, 0}));
}

TEST(Accuracy, TiesGoToTheFirstMaximumAndNaNCountsAsLargest) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Tensor scores = Tensor::from_rows(
      {{0.3f, 0.3f, 0.1f}, {0.1f, 0.4f, 0.4f}, {0.9f, nan, 1.0f}, {nan, nan, 2.0f}});
  EXPECT_EQ(argmax_rows(scores), (std::vector<Index>{0, 1, 1, 0}));
  EXPECT_DOUBLE_EQ(accuracy(scores, ids({0, 2, 1, 2})), 0.5);
}

TEST(Accuracy, ProbabilitiesWorkAsWellAsLogits) {
  const Tensor probs = Tensor::from_rows({{0.7f, 0.3f}, {0.45f, 0.55f}});
  EXPECT_DOUBLE_EQ(accuracy(probs, ids({0, 1})), 1.0);
  EXPECT_DOUBLE_EQ(accuracy(probs, ids({1, 0})), 0.0);
}

void expect_error(const std::function<void()>& f, const std::string& message) {
  try {
    f();
    ADD_FAILURE() << "no error, expected: " << message;
  } catch (const Error& e) {
    EXPECT_EQ(e.what(), message);
  }
}

TEST(Accuracy, BadTargetsNameTheRowAndValue) {
  const Tensor scores(4, 3);
  const Tensor too_large = ids({0, 1, 3, 2}), negative = ids({0, -1, 1, 2});
  const Tensor fractional = ids({0, 1, 2, 1.5f}), short_column = ids({0, 1, 2});
  expect_error([&] { accuracy(scores, too_large); },
               "accuracy: target at row 2 is 3, outside the class range [0, 3)");
  expect_error([&] { accuracy(scores, negative); },
               "accuracy: target at row 1 is -1, outside the class range [0, 3)");
  expect_error([&] { count_correct(scores, fractional); },
               "count_correct: target at row 3 is 1.5, not an integer class id");
  expect_error([&] { accuracy(scores, short_column); },
               "accuracy: targets must be [4, 1] (one class id per row of the [4, 3] scores), "
               "got [3, 1]");
  expect_error([&] { accuracy(scores, Tensor(4, 2)); },
               "accuracy: targets must be [4, 1] (one class id per row of the [4, 3] scores), "
               "got [4, 2]");
  expect_error([&] { accuracy(Tensor(0, 3), Tensor(0, 1)); },
               "accuracy: scores must be [batch, classes] with both >= 1, got [0, 3]");
}

}  // namespace
}  // namespace lockstep
