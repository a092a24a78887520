// lockstep/nn/flatten.hpp — torch.nn.Flatten for images that already travel flat.
//
// An image batch is [batch, C*H*W] (lockstep/tensor/image_shape.hpp), which is what PyTorch's
// Flatten makes of [batch, C, H, W], so Flatten returns its input. It exists so that a network
// written as in PyTorch keeps PyTorch's layer indices, and so its state_dict names ("5.weight"
// for the Linear after Conv2d, ReLU, MaxPool2d, Flatten, ...) line up with PyTorch's.
//
//   lockstep::Sequential net{std::make_shared<lockstep::Conv2d>(lockstep::ImageShape{1, 8, 8}, 4,
//   3),
//                            std::make_shared<lockstep::ReLU>(),
//                            std::make_shared<lockstep::Flatten>(),
//                            std::make_shared<lockstep::Linear>(4 * 6 * 6, 10)};
#pragma once

#include "lockstep/nn/module.hpp"

namespace lockstep {

class Flatten : public Module {
 public:
  Var forward(const Var& input) override;
};

}  // namespace lockstep
