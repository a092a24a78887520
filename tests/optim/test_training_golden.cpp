// A whole small training run against PyTorch: Linear(3, 2) from PyTorch's initial weights,
// MSELoss, SGD(lr 0.05, momentum 0.9), eight fixed batches of four; every step's loss and the
// final parameters must match (tests/golden/make_golden.py).
#include <gtest/gtest.h>

#include "golden/golden_values.hpp"
#include "lockstep/nn/linear.hpp"
#include "lockstep/nn/loss.hpp"
#include "lockstep/optim/sgd.hpp"

namespace lockstep {
namespace {

TEST(TrainingGolden, LinearMseSgdMomentumMatchesPyTorchEveryStep) {
  Linear model(3, 2);
  model.weight().value().copy_(Tensor::from_data(golden::run_weight0, {2, 3}));
  model.bias().value().copy_(Tensor::from_data(golden::run_bias0, {1, 2}));
  SGD opt(model.parameters(), SGDOptions(0.05).momentum(0.9));
  MSELoss loss_fn;
  for (int step = 0; step < 8; ++step) {
    Tensor x = Tensor::from_data(golden::run_x + step * 12, {4, 3});
    Tensor y = Tensor::from_data(golden::run_y + step * 8, {4, 2});
    opt.zero_grad();
    Var loss = loss_fn(model(x), y);
    loss.backward();
    opt.step();
    EXPECT_NEAR(loss.item(), golden::run_losses[step], 1e-4f * golden::run_losses[step])
        << "step " << step;
  }
  for (int i = 0; i < 6; ++i)
    EXPECT_NEAR(model.weight().value().data()[i], golden::run_weight_final[i], 1e-5f);
  for (int i = 0; i < 2; ++i)
    EXPECT_NEAR(model.bias().value().data()[i], golden::run_bias_final[i], 1e-5f);
}

}  // namespace
}  // namespace lockstep
