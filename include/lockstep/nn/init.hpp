// lockstep/nn/init.hpp — parameter initializers (torch.nn.init), in place, from a Generator.
//
//   lockstep::Tensor w(lockstep::Shape{16, 4});
//   lockstep::init::uniform_(w, -0.5f, 0.5f, gen);
//   lockstep::init::linear_default_(w, bias, gen);  // what nn.Linear does on construction
#pragma once

#include "lockstep/core/rng.hpp"
#include "lockstep/tensor/tensor.hpp"

namespace lockstep::init {

void uniform_(Tensor& t, float lo, float hi, Generator& gen = default_generator());
void normal_(Tensor& t, float mean, float stddev, Generator& gen = default_generator());
void zeros_(Tensor& t);
void constant_(Tensor& t, float value);
/// PyTorch's nn.Linear initialization: weight [out, in] and bias uniform in +-1/sqrt(in)
/// (kaiming_uniform_ with a = sqrt(5) gives exactly that bound for the weight). `bias` may be
/// undefined.
void linear_default_(Tensor& weight, Tensor& bias, Generator& gen = default_generator());

}  // namespace lockstep::init
