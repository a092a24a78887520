// Loss modules, softmax and activations against values computed by PyTorch
// (tests/golden/make_golden_losses.py): every loss with every reduction, cross-entropy with
// class weights and label smoothing, NLL with weights, BCE with logits of magnitude 30, and
// softmax / log_softmax on logits of magnitude 1000. Forward values and input gradients.
#include <gtest/gtest.h>

#include <cmath>
#include <span>
#include <vector>

#include "golden/golden_losses.hpp"
#include "lockstep/core/error.hpp"
#include "lockstep/nn/activation.hpp"
#include "lockstep/nn/loss.hpp"

namespace lockstep {
namespace {

// |actual - expected| <= rtol * max(1, |expected|), element by element.
void expect_close(const Tensor& t, std::span<const float> expected, float rtol = 1e-5f) {
  ASSERT_EQ(static_cast<std::size_t>(t.numel()), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(t.data()[i], expected[i], rtol * std::max(1.0f, std::abs(expected[i])))
        << "element " << i;
  }
}

struct Expected {
  Reduction reduction;
  std::span<const float> value, grad;
};

// The three reductions of one golden case, e.g. GOLDEN(ce_plain).
#define GOLDEN(prefix)                                                              \
  std::vector<Expected> {                                                           \
    {Reduction::Mean, golden::prefix##_mean_value, golden::prefix##_mean_grad},     \
        {Reduction::Sum, golden::prefix##_sum_value, golden::prefix##_sum_grad},    \
        {Reduction::None, golden::prefix##_none_value, golden::prefix##_none_grad}, \
  }

// Evaluates loss_fn(input) and checks its value and the gradient of the input: of the loss
// itself for mean/sum, of sum(cotangent * loss) for none (the script's convention).
template <class LossFn>
void check_case(const Expected& e, const Tensor& input, const Tensor& cotangent, LossFn&& loss_fn) {
  SCOPED_TRACE(to_string(e.reduction));
  Var x(input.clone(), true);
  Var loss = loss_fn(x, e.reduction);
  expect_close(loss.value(), e.value);
  if (e.reduction == Reduction::None) {
    loss.backward(cotangent.reshape(loss.shape()));
  } else {
    loss.backward();
  }
  expect_close(x.grad(), e.grad);
}

const Shape kCe{golden::ce_logits_rows, golden::ce_logits_cols};
const Tensor kCeLogits = Tensor::from_vector(golden::ce_logits, kCe);
const Tensor kCeTarget = Tensor::column(golden::ce_target);
const Tensor kCeWeight = Tensor::row(golden::ce_weight);
const Tensor kCeCotangent = Tensor::column(golden::ce_cotangent);

void check_cross_entropy(const std::vector<Expected>& cases, const Tensor& weight,
                         float label_smoothing) {
  for (const Expected& e : cases) {
    check_case(e, kCeLogits, kCeCotangent, [&](const Var& x, Reduction red) {
      CrossEntropyLoss loss_fn(
          {.weight = weight, .label_smoothing = label_smoothing, .reduction = red});
      return loss_fn(x, Var(kCeTarget));
    });
  }
}

TEST(CrossEntropyGolden, Plain) { check_cross_entropy(GOLDEN(ce_plain), Tensor(), 0.0f); }

TEST(CrossEntropyGolden, ClassWeights) {
  check_cross_entropy(GOLDEN(ce_weighted), kCeWeight, 0.0f);
}

TEST(CrossEntropyGolden, LabelSmoothing) { check_cross_entropy(GOLDEN(ce_smooth), Tensor(), 0.2f); }

TEST(CrossEntropyGolden, ClassWeightsAndLabelSmoothing) {
  check_cross_entropy(GOLDEN(ce_weighted_smooth), kCeWeight, 0.2f);
}

TEST(NLLLossGolden, PlainAndWeighted) {
  const Tensor input = Tensor::from_vector(golden::nll_input, kCe);
  const Tensor target = Tensor::column(golden::nll_target);
  const Tensor weight = Tensor::row(golden::nll_weight);
  for (bool weighted : {false, true}) {
    SCOPED_TRACE(weighted ? "weighted" : "plain");
    for (const Expected& e : weighted ? GOLDEN(nll_weighted) : GOLDEN(nll_plain)) {
      check_case(e, input, kCeCotangent, [&](const Var& x, Reduction red) {
        NLLLoss loss_fn({.weight = weighted ? weight : Tensor(), .reduction = red});
        return loss_fn(x, Var(target));
      });
    }
  }
}

TEST(BCEWithLogitsLossGolden, EveryReductionWithLogitsOfMagnitude30) {
  const Shape s{golden::bce_input_rows, golden::bce_input_cols};
  const Tensor input = Tensor::from_vector(golden::bce_input, s);
  const Tensor target = Tensor::from_vector(golden::bce_target, s);
  const Tensor cotangent = Tensor::from_vector(golden::bce_cotangent, s);
  for (const Expected& e : GOLDEN(bce)) {
    check_case(e, input, cotangent,
               [&](const Var& x, Reduction red) { return BCEWithLogitsLoss(red)(x, Var(target)); });
  }
  // The target's gradient (-x) too, for each reduction.
  const std::span<const float> target_grads[] = {
      golden::bce_mean_target_grad, golden::bce_sum_target_grad, golden::bce_none_target_grad};
  const Reduction reds[] = {Reduction::Mean, Reduction::Sum, Reduction::None};
  for (int k = 0; k < 3; ++k) {
    SCOPED_TRACE(to_string(reds[k]));
    Var t(target.clone(), true);
    Var loss = bce_with_logits(Var(input), t, reds[k]);
    if (reds[k] == Reduction::None) {
      loss.backward(cotangent);
    } else {
      loss.backward();
    }
    expect_close(t.grad(), target_grads[k]);
  }
}

TEST(L1LossGolden, EveryReductionBothArguments) {
  const Shape s{golden::l1_input_rows, golden::l1_input_cols};
  const Tensor input = Tensor::from_vector(golden::l1_input, s);
  const Tensor target = Tensor::from_vector(golden::l1_target, s);
  const Tensor cotangent = Tensor::from_vector(golden::bce_cotangent, s);
  for (const Expected& e : GOLDEN(l1)) {
    check_case(e, input, cotangent,
               [&](const Var& x, Reduction red) { return L1Loss(red)(x, Var(target)); });
  }
  Var t(target.clone(), true);
  L1Loss()(Var(input), t).backward();
  expect_close(t.grad(), golden::l1_mean_target_grad);
}

TEST(SoftmaxGolden, LogitsOfMagnitude1000) {
  const Shape s{golden::sm_input_rows, golden::sm_input_cols};
  const Tensor input = Tensor::from_vector(golden::sm_input, s);
  const Tensor cotangent = Tensor::from_vector(golden::sm_cotangent, s);
  Softmax softmax_module;
  LogSoftmax log_softmax_module;
  struct Case {
    const char* name;
    Module* module;
    std::span<const float> value, grad;
  } cases[] = {
      {"softmax", &softmax_module, golden::softmax_value, golden::softmax_grad},
      {"log_softmax", &log_softmax_module, golden::log_softmax_value, golden::log_softmax_grad},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Var x(input.clone(), true);
    Var y = (*c.module)(x);
    for (float v : y.value().span()) EXPECT_TRUE(std::isfinite(v));
    expect_close(y.value(), c.value);
    y.backward(cotangent);
    expect_close(x.grad(), c.grad);
  }
}

TEST(ActivationGolden, ReluSigmoidTanhExpLog) {
  const Tensor in = Tensor::row(golden::act_input);
  const Tensor positive = Tensor::row(golden::act_positive);
  const Tensor cot = Tensor::row(golden::act_cotangent);
  struct Case {
    const char* name;
    Var (*fn)(const Var&);
    Tensor input;
    std::span<const float> value, grad;
  } cases[] = {
      {"relu", relu, in, golden::relu_value, golden::relu_grad},
      {"sigmoid", sigmoid, in, golden::sigmoid_value, golden::sigmoid_grad},
      {"tanh", tanh, in, golden::tanh_value, golden::tanh_grad},
      // The script used act_input[:, 1:7] for exp.
      {"exp", exp, Tensor::from_data(in.data() + 1, {1, 6}), golden::exp_value, golden::exp_grad},
      {"log", log, positive, golden::log_value, golden::log_grad},
  };
  for (Case& c : cases) {
    SCOPED_TRACE(c.name);
    Var x(c.input.clone(), true);
    Var y = c.fn(x);
    expect_close(y.value(), c.value);
    y.backward(Tensor::from_data(cot.data(), c.input.shape()));
    expect_close(x.grad(), c.grad);
  }
}

TEST(LossModules, OptionsAreValidatedWhenBuilt) {
  auto message = [](auto&& build) -> std::string {
    try {
      build();
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  };
  std::string m = message([] { CrossEntropyLoss({.label_smoothing = 1.5f}); });
  EXPECT_NE(m.find("label_smoothing must be in [0, 1], got 1.5"), std::string::npos) << m;
  m = message([] { CrossEntropyLoss({.label_smoothing = -0.25f}); });
  EXPECT_NE(m.find("-0.25"), std::string::npos) << m;
  m = message([] { CrossEntropyLoss({.weight = Tensor(3, 1)}); });
  EXPECT_NE(m.find("[3, 1]"), std::string::npos) << m;
  m = message([] { CrossEntropyLoss({.weight = Tensor::row(std::vector<float>{1, NAN})}); });
  EXPECT_NE(m.find("class 1"), std::string::npos) << m;
  m = message([] { NLLLoss({.weight = Tensor(2, 2)}); });
  EXPECT_NE(m.find("NLLLoss"), std::string::npos) << m;
  EXPECT_NO_THROW(CrossEntropyLoss({.weight = Tensor::ones({1, 3}), .label_smoothing = 1.0f}));
  // A weight for the wrong number of classes is caught at the first call.
  CrossEntropyLoss three_classes({.weight = Tensor::ones({1, 3})});
  EXPECT_THROW(three_classes(Var(kCeLogits), Var(kCeTarget)), Error);
}

TEST(LossModules, CrossEntropyTargetsAreCheckedWithRowAndValue) {
  Tensor target = kCeTarget.clone();
  target(2, 0) = 7.0f;
  try {
    CrossEntropyLoss()(Var(kCeLogits), Var(target));
    FAIL();
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("class index 7 in row 2 is out of range for 4 classes"), std::string::npos)
        << m;
  }
}

}  // namespace
}  // namespace lockstep
