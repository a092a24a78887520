// A convolutional network against PyTorch: the small CNN of tests/golden/make_golden_cnn.py
// (conv, relu, max pool, strided padded conv, relu, avg pool, flatten, linear) started from the
// weights PyTorch saved; its output, loss and every parameter's gradient on one batch, then 20
// steps of SGD with momentum and of Adam on fixed batches, the loss of every step within 1e-4
// relative of PyTorch's.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <span>

#include "golden/golden_cnn.hpp"
#include "lockstep/io/state_dict.hpp"
#include "lockstep/nn/loss.hpp"
#include "lockstep/optim/adam.hpp"
#include "lockstep/optim/sgd.hpp"
#include "support/small_cnn.hpp"

namespace lockstep {
namespace {

using namespace golden_cnn;

std::shared_ptr<Sequential> load_model() {
  auto model = testing::small_cnn();
  load_module(std::filesystem::path(LOCKSTEP_TESTS_DIR) / "golden" / "cnn_init.safetensors",
              *model);
  return model;
}

void expect_close(const Tensor& t, std::span<const float> expected, float rtol,
                  const std::string& what) {
  ASSERT_EQ(static_cast<std::size_t>(t.numel()), expected.size()) << what;
  for (std::size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(t.data()[i], expected[i], rtol * std::max(1.0f, std::abs(expected[i])))
        << what << " element " << i;
}

TEST(TrainingCnnGolden, OutputLossAndEveryGradientOnOneBatch) {
  auto model = load_model();
  CrossEntropyLoss loss_fn;
  Var logits = (*model)(Var(Tensor::from_data(cnn_x, {6, features})));
  Var loss = loss_fn(logits, Var(Tensor::from_data(cnn_y, {6, 1})));
  expect_close(logits.value(), cnn_logits, 1e-5f, "logits");
  expect_close(loss.value(), cnn_loss, 1e-5f, "loss");
  loss.backward();
  const std::span<const float> grads[] = {cnn_grad_0_weight, cnn_grad_0_bias,   cnn_grad_3_weight,
                                          cnn_grad_3_bias,   cnn_grad_7_weight, cnn_grad_7_bias};
  const auto params = model->named_parameters();
  ASSERT_EQ(params.size(), std::size(grads));
  for (std::size_t i = 0; i < params.size(); ++i)
    expect_close(params[i].second.grad(), grads[i], 1e-5f, params[i].first);
}

template <std::size_t N, std::size_t W>
void train_and_compare(Sequential& model, Optimizer& opt, const float (&losses)[N],
                       const float (&final_w0)[W]) {
  CrossEntropyLoss loss_fn;
  for (int s = 0; s < steps; ++s) {
    const Index begin = (s * batch) % samples;
    Tensor x = Tensor::from_data(cnn_x + begin * features, {batch, features});
    Tensor y = Tensor::from_data(cnn_y + begin, {batch, 1});
    opt.zero_grad();
    Var loss = loss_fn(model(Var(x)), Var(y));
    loss.backward();
    opt.step();
    EXPECT_NEAR(loss.item(), losses[s], 1e-4f * std::abs(losses[s])) << "step " << s;
  }
  const Tensor& w0 = model.parameters()[0].value();
  ASSERT_EQ(std::size_t(w0.numel()), W);
  for (std::size_t i = 0; i < W; ++i) EXPECT_NEAR(w0.data()[i], final_w0[i], 1e-4f) << i;
}

TEST(TrainingCnnGolden, SgdMomentumFromPyTorchWeights) {
  auto model = load_model();
  SGD opt(model->parameters(), SGDOptions(0.05).momentum(0.9));
  train_and_compare(*model, opt, cnn_sgd_losses, cnn_sgd_final_w0);
}

TEST(TrainingCnnGolden, AdamFromPyTorchWeights) {
  auto model = load_model();
  Adam opt(model->parameters(), AdamOptions(0.01));
  train_and_compare(*model, opt, cnn_adam_losses, cnn_adam_final_w0);
}

}  // namespace
}  // namespace lockstep
