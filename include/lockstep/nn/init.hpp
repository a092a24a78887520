// lockstep/nn/init.hpp — parameter initializers (torch.nn.init), in place, from a Generator.
//
//   lockstep::Tensor w(lockstep::Shape{16, 4});
//   lockstep::init::uniform_(w, -0.5f, 0.5f, gen);
//   lockstep::init::linear_default_(w, bias, gen);  // what nn.Linear does on construction
//   lockstep::init::kaiming_uniform_(w, 0.0f, lockstep::init::FanMode::FanIn,
//                                    lockstep::init::Nonlinearity::Relu, gen);
//   lockstep::init::xavier_normal_(w, lockstep::init::calculate_gain(
//                                         lockstep::init::Nonlinearity::Tanh), gen);
//
// Fans follow PyTorch for a 2-D weight [out, in]: fan_in = cols, fan_out = rows.
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

/// The nonlinearity that follows a layer, for calculate_gain.
enum class Nonlinearity { Linear, Sigmoid, Tanh, Relu, LeakyRelu };
/// Whether the Kaiming initializers preserve the variance of the forward (FanIn) or the
/// backward (FanOut) pass.
enum class FanMode { FanIn, FanOut };
const char* to_string(Nonlinearity n);

/// torch.nn.init.calculate_gain: 1 for Linear and Sigmoid, 5/3 for Tanh, sqrt(2) for Relu and
/// sqrt(2 / (1 + param^2)) for LeakyRelu with negative slope `param` (ignored otherwise).
float calculate_gain(Nonlinearity nonlinearity, float param = 0.01f);
/// Kaiming (He) uniform: U(-b, b) with b = gain * sqrt(3 / fan), gain = calculate_gain(
/// nonlinearity, a). With a = sqrt(5) this is nn.Linear's weight initialization. A tensor
/// without elements is left alone (PyTorch warns and does the same).
void kaiming_uniform_(Tensor& t, float a = 0.0f, FanMode mode = FanMode::FanIn,
                      Nonlinearity nonlinearity = Nonlinearity::LeakyRelu,
                      Generator& gen = default_generator());
/// Kaiming (He) normal: N(0, std^2) with std = gain / sqrt(fan).
void kaiming_normal_(Tensor& t, float a = 0.0f, FanMode mode = FanMode::FanIn,
                     Nonlinearity nonlinearity = Nonlinearity::LeakyRelu,
                     Generator& gen = default_generator());
/// Xavier (Glorot) uniform: U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out)).
void xavier_uniform_(Tensor& t, float gain = 1.0f, Generator& gen = default_generator());
/// Xavier (Glorot) normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)).
void xavier_normal_(Tensor& t, float gain = 1.0f, Generator& gen = default_generator());

}  // namespace lockstep::init
