// Test support: the small CNN of tests/golden/make_golden_cnn.py, built with lockstep's layers
// so its parameters have PyTorch's names and shapes ("0.weight" [4, 1, 3, 3], "3.weight"
// [8, 4, 3, 3], "7.weight" [3, 32], ...). Images 1 x 10 x 10, 3 classes. And bn_cnn(), the
// batch-normalized network of tests/golden/make_golden_batch_norm.py (images 1 x 8 x 8).
//
//   auto net = lockstep::testing::small_cnn();
//   lockstep::load_module(dir / "cnn_init.safetensors", *net);
#pragma once

#include <memory>

#include "lockstep/nn/activation.hpp"
#include "lockstep/nn/batch_norm.hpp"
#include "lockstep/nn/conv.hpp"
#include "lockstep/nn/flatten.hpp"
#include "lockstep/nn/linear.hpp"
#include "lockstep/nn/pooling.hpp"
#include "lockstep/nn/sequential.hpp"

namespace lockstep::testing {

inline std::shared_ptr<Sequential> small_cnn(Generator* gen = nullptr) {
  auto conv0 = std::make_shared<Conv2d>(ImageShape{1, 10, 10}, 4, 3,
                                        Conv2dOptions{.padding = 1, .generator = gen});
  auto pool2 = std::make_shared<MaxPool2d>(conv0->output_shape(), 2);
  auto conv3 = std::make_shared<Conv2d>(pool2->output_shape(), 8, 3,
                                        Conv2dOptions{.stride = 2, .padding = 1, .generator = gen});
  auto pool5 = std::make_shared<AvgPool2d>(conv3->output_shape(), 2, AvgPool2dOptions{.stride = 1});
  return std::make_shared<Sequential>(
      conv0, std::make_shared<ReLU>(), pool2, conv3, std::make_shared<ReLU>(), pool5,
      std::make_shared<Flatten>(),
      std::make_shared<Linear>(pool5->output_shape().numel(), 3, LinearOptions{.generator = gen}));
}

/// Conv2d(1, 4, 3, padding=1), BatchNorm2d(4), ReLU, MaxPool2d(2), Flatten, Linear(64, 8),
/// BatchNorm1d(8), ReLU, Linear(8, 3).
inline std::shared_ptr<Sequential> bn_cnn(Generator* gen = nullptr) {
  auto conv0 = std::make_shared<Conv2d>(ImageShape{1, 8, 8}, 4, 3,
                                        Conv2dOptions{.padding = 1, .generator = gen});
  auto pool3 = std::make_shared<MaxPool2d>(conv0->output_shape(), 2);
  return std::make_shared<Sequential>(
      conv0, std::make_shared<BatchNorm2d>(conv0->output_shape()), std::make_shared<ReLU>(), pool3,
      std::make_shared<Flatten>(),
      std::make_shared<Linear>(pool3->output_shape().numel(), 8, LinearOptions{.generator = gen}),
      std::make_shared<BatchNorm1d>(8), std::make_shared<ReLU>(),
      std::make_shared<Linear>(8, 3, LinearOptions{.generator = gen}));
}

}  // namespace lockstep::testing
