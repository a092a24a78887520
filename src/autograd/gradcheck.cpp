#include "lockstep/autograd/gradcheck.hpp"

#include <cmath>

#include "lockstep/autograd/grad_mode.hpp"
#include "lockstep/core/error.hpp"
#include "lockstep/core/rng.hpp"
#include "lockstep/tensor/random.hpp"

namespace lockstep {

namespace {
double dot(const Tensor& a, const Tensor& b) {
  double s = 0;
  for (Index i = 0; i < a.numel(); ++i) s += double(a.data()[i]) * double(b.data()[i]);
  return s;
}
}  // namespace

GradcheckResult gradcheck(const std::function<Var(const std::vector<Var>&)>& f,
                          const std::vector<Tensor>& inputs, GradcheckOptions options) {
  std::vector<Var> vars;
  for (const Tensor& t : inputs) vars.emplace_back(t.clone(), true);
  Var out = f(vars);
  Generator gen(options.seed);
  const Tensor cotangent = randn(out.shape(), gen);
  out.backward(cotangent);

  GradcheckResult result;
  for (std::size_t k = 0; k < vars.size(); ++k) {
    const Tensor& analytic = vars[k].grad();
    LOCKSTEP_CHECK(analytic.defined(), "gradcheck: input ", k, " received no gradient");
    Tensor& x = vars[k].value();
    NoGradGuard no_grad;  // the perturbed evaluations need no tape
    for (Index i = 0; i < x.numel(); ++i) {
      const float original = x.data()[i];
      x.data()[i] = original + static_cast<float>(options.eps);
      const double plus = dot(f(vars).value(), cotangent);
      x.data()[i] = original - static_cast<float>(options.eps);
      const double minus = dot(f(vars).value(), cotangent);
      x.data()[i] = original;
      const double numeric = (plus - minus) / (2 * options.eps);
      const double err = std::abs(double(analytic.data()[i]) - numeric);
      result.max_abs_error = std::max(result.max_abs_error, err);
      if (result.ok && !(err <= options.atol + options.rtol * std::abs(numeric))) {
        result.ok = false;
        result.message = detail::str_cat("input ", k, " element ", i, ": analytic ",
                                         analytic.data()[i], " vs numeric ", numeric);
      }
    }
  }
  return result;
}

}  // namespace lockstep
