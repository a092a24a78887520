// A whole training run against PyTorch: a Sequential MLP (Linear-ReLU-Linear-Tanh-Linear)
// started from the weights PyTorch saved (safetensors), trained for 20 steps on fixed batches
// with SGD (momentum, nesterov, weight decay) and with Adam (amsgrad). The loss of every step
// must match PyTorch's to 1e-4 relative (tests/golden/make_golden_training.py).
#include <gtest/gtest.h>

#include <filesystem>

#include "golden/golden_training.hpp"
#include "lockstep/io/state_dict.hpp"
#include "lockstep/nn/activation.hpp"
#include "lockstep/nn/linear.hpp"
#include "lockstep/nn/loss.hpp"
#include "lockstep/nn/sequential.hpp"
#include "lockstep/optim/adam.hpp"
#include "lockstep/optim/sgd.hpp"

namespace lockstep {
namespace {

using namespace golden;

std::shared_ptr<Sequential> load_model() {
  auto model = std::make_shared<Sequential>(
      std::make_shared<Linear>(training_features, 16), std::make_shared<ReLU>(),
      std::make_shared<Linear>(16, 16), std::make_shared<Tanh>(),
      std::make_shared<Linear>(16, training_classes));
  load_module(
      std::filesystem::path(LOCKSTEP_TESTS_DIR) / "golden" / "training_mlp_init.safetensors",
      *model);
  return model;
}

template <std::size_t N, std::size_t W>
void train_and_compare(Sequential& model, Optimizer& opt, const float (&losses)[N],
                       const float (&final_w0)[W]) {
  CrossEntropyLoss loss_fn;
  const Index b = training_batch, f = training_features;
  for (int s = 0; s < training_steps; ++s) {
    Tensor x = Tensor::from_data(training_x + s * b * f, {b, f});
    Tensor y = Tensor::from_data(training_y + s * b, {b, 1});
    opt.zero_grad();
    Var loss = loss_fn(model(x), y);
    loss.backward();
    opt.step();
    EXPECT_NEAR(loss.item(), losses[s], 1e-4f * std::abs(losses[s])) << "step " << s;
  }
  const Tensor& w0 = model.parameters()[0].value();
  ASSERT_EQ(std::size_t(w0.numel()), W);
  for (std::size_t i = 0; i < W; ++i) EXPECT_NEAR(w0.data()[i], final_w0[i], 1e-4f) << i;
}

TEST(TrainingMlpGolden, SgdMomentumNesterovFromPyTorchWeights) {
  auto model = load_model();
  SGD opt(model->parameters(), SGDOptions(0.05).momentum(0.9).nesterov(true).weight_decay(1e-3));
  train_and_compare(*model, opt, training_sgd_losses, training_sgd_final_w0);
}

TEST(TrainingMlpGolden, AdamAmsgradFromPyTorchWeights) {
  auto model = load_model();
  Adam opt(model->parameters(), AdamOptions(0.01).amsgrad(true));
  train_and_compare(*model, opt, training_adam_losses, training_adam_final_w0);
}

}  // namespace
}  // namespace lockstep
