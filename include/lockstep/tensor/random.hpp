// lockstep/tensor/random.hpp — tensors of random numbers from a lockstep::Generator.
//
//   lockstep::manual_seed(1);
//   lockstep::Tensor w = lockstep::randn({1, 1});          // default generator
//   lockstep::Generator gen(7);
//   lockstep::Tensor u = lockstep::uniform({3, 4}, -0.5f, 0.5f, gen);
#pragma once

#include "lockstep/core/rng.hpp"
#include "lockstep/tensor/tensor.hpp"

namespace lockstep {

/// Standard normal values, filled in row-major order.
Tensor randn(Shape shape, Generator& gen = default_generator());
/// Uniform values in [0, 1).
Tensor rand(Shape shape, Generator& gen = default_generator());
/// Uniform values in [lo, hi).
Tensor uniform(Shape shape, float lo, float hi, Generator& gen = default_generator());

}  // namespace lockstep
