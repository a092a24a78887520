#include "lockstep/train/evaluate.hpp"

#include <algorithm>
#include <numeric>

#include "lockstep/autograd/grad_mode.hpp"
#include "lockstep/core/error.hpp"
#include "lockstep/data/tensor_dataset.hpp"
#include "lockstep/nn/loss.hpp"

namespace lockstep {

EvalResult evaluate(Module& model, const LossFn& loss, const Tensor& x, const Tensor& y,
                    Index num_classes, const std::vector<std::string>& class_names,
                    Index batch_size) {
  LOCKSTEP_CHECK(x.rows() == y.rows() && x.rows() > 0, "evaluate: ", x.rows(), " samples and ",
                 y.rows(), " targets");
  return evaluate(model, loss, TensorDataset(x, y), num_classes, class_names, batch_size);
}

EvalResult evaluate(Module& model, const LossFn& loss, const Dataset& data, Index num_classes,
                    const std::vector<std::string>& class_names, Index batch_size) {
  const Index n = data.size();
  LOCKSTEP_CHECK(n > 0, "evaluate: the data set holds no samples");
  LOCKSTEP_CHECK(batch_size > 0, "evaluate: batch_size must be positive, got ", batch_size);
  const bool was_training = model.is_training();
  model.eval();
  NoGradGuard no_grad;
  EvalResult r;
  if (num_classes > 0) r.confusion.emplace(num_classes, class_names);
  const Index rows = std::min(batch_size, n);
  Tensor xs(Shape{rows, data.feature_dim()}), ys(Shape{rows, data.target_dim()});
  std::vector<Index> indices;
  double sum = 0;
  for (Index begin = 0; begin < n; begin += batch_size) {
    const Index count = std::min(batch_size, n - begin);
    indices.resize(std::size_t(count));
    std::iota(indices.begin(), indices.end(), begin);
    Tensor xb = count == rows ? xs : xs.rows_view(0, count);
    Tensor yb = count == rows ? ys : ys.rows_view(0, count);
    data.get_batch(indices, xb, yb);
    Var out = model(Var(xb));
    sum += double(loss(out, Var(yb)).item()) * double(count);
    if (r.confusion) r.confusion->update(out.value(), yb);
  }
  model.train(was_training);
  r.loss = sum / double(n);
  if (r.confusion) r.accuracy = r.confusion->accuracy();
  return r;
}

}  // namespace lockstep
