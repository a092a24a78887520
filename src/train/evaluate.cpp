#include "lockstep/train/evaluate.hpp"

#include <algorithm>

#include "lockstep/autograd/grad_mode.hpp"
#include "lockstep/core/error.hpp"
#include "lockstep/nn/loss.hpp"

namespace lockstep {

EvalResult evaluate(Module& model, const LossFn& loss, const Tensor& x, const Tensor& y,
                    Index num_classes, const std::vector<std::string>& class_names,
                    Index batch_size) {
  LOCKSTEP_CHECK(x.rows() == y.rows() && x.rows() > 0, "evaluate: ", x.rows(), " samples and ",
                 y.rows(), " targets");
  const bool was_training = model.is_training();
  model.eval();
  NoGradGuard no_grad;
  EvalResult r;
  if (num_classes > 0) r.confusion.emplace(num_classes, class_names);
  double sum = 0;
  for (Index begin = 0; begin < x.rows(); begin += batch_size) {
    const Index n = std::min(batch_size, x.rows() - begin);
    const Tensor xb = x.rows_view(begin, n), yb = y.rows_view(begin, n);
    Var out = model(Var(xb));
    sum += double(loss(out, Var(yb)).item()) * double(n);
    if (r.confusion) r.confusion->update(out.value(), yb);
  }
  model.train(was_training);
  r.loss = sum / double(x.rows());
  if (r.confusion) r.accuracy = r.confusion->accuracy();
  return r;
}

}  // namespace lockstep
