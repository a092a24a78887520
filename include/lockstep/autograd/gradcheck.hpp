// lockstep/autograd/gradcheck.hpp — finite-difference verification of gradients
// (torch.autograd.gradcheck for float32).
//
// For a function f of some input tensors, draws a fixed random cotangent R shaped like f's
// output, computes the analytic gradients of <R, f(x)> with backward(R), and compares each
// with a central difference (f(x + eps) - f(x - eps)) / 2 eps accumulated in double.
//
//   auto result = lockstep::gradcheck(
//       [](const std::vector<lockstep::Var>& in) { return lockstep::matmul(in[0], in[1]); },
//       {a, b});
//   EXPECT_TRUE(result.ok) << result.message;
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "lockstep/autograd/variable.hpp"

namespace lockstep {

struct GradcheckOptions {
  double eps = 1e-2;   // finite-difference step (float32 needs a large one)
  double atol = 1e-3;  // |analytic - numeric| <= atol + rtol * |numeric|
  double rtol = 1e-2;
  std::uint64_t seed = 0;  // for the random cotangent
};

struct GradcheckResult {
  bool ok = true;
  double max_abs_error = 0;
  std::string message;  // names the first failing input and element
};

GradcheckResult gradcheck(const std::function<Var(const std::vector<Var>&)>& f,
                          const std::vector<Tensor>& inputs, GradcheckOptions options = {});

}  // namespace lockstep
