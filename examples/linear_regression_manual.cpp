// The chapter's linear regression, "manual" form: a weight drawn from a normal distribution and
// a zero bias, both requiring grad; model x @ weight + bias; loss (input - target)^2 mean;
// backward() on every batch and — as the chapter's code does — the update and zero_grad once
// per epoch, after the batch loop, under the no-grad guard.
#include <cstdio>
#include <memory>

#include "chapter_data.hpp"

int main() {
  using namespace lockstep;
  Tensor X_train_norm = Standardizer().fit_transform(chapter::x_train());
  auto train_ds = std::make_shared<TensorDataset>(X_train_norm, chapter::y_train());

  manual_seed(1);
  DataLoader train_dl(train_ds, {.batch_size = 1, .shuffle = true});

  manual_seed(1);
  Var weight(randn({1, 1}), /*requires_grad=*/true);
  Var bias(Tensor::zeros({1, 1}), /*requires_grad=*/true);
  auto loss_fn = [](const Var& input, const Var& target) { return mean(pow(input - target, 2)); };
  auto model = [&](const Var& xb) { return matmul(xb, weight) + bias; };

  const float learning_rate = 0.001f;
  const int num_epochs = 200;
  const int log_epochs = 10;
  Var loss;
  for (int epoch = 0; epoch < num_epochs; ++epoch) {
    for (const Batch& batch : train_dl) {
      Var pred = model(batch.x);
      loss = loss_fn(pred, batch.y);
      loss.backward();
    }
    {
      NoGradGuard no_grad;
      weight.value().add_(weight.grad(), -learning_rate);
      bias.value().add_(bias.grad(), -learning_rate);
      weight.zero_grad();
      bias.zero_grad();
    }
    if (epoch % log_epochs == 0) std::printf("Epoch %d Loss %.4f\n", epoch, loss.item());
  }
  std::printf("Final Parameters: %.4f %.4f\n", weight.item(), bias.item());
  return 0;
}
