// The chapter's linear regression, nn form: Linear(1, 1), MSELoss, SGD(lr = 0.001), with step()
// and zero_grad() after every batch of size 1.
#include <cstdio>
#include <memory>

#include "chapter_data.hpp"

int main() {
  using namespace lockstep;
  Tensor X_train_norm = Standardizer().fit_transform(chapter::x_train());
  auto train_ds = std::make_shared<TensorDataset>(X_train_norm, chapter::y_train());

  manual_seed(1);
  DataLoader train_dl(train_ds, {.batch_size = 1, .shuffle = true});

  const int num_epochs = 200;
  const int log_epochs = 10;
  Linear model(1, 1);
  MSELoss loss_fn;
  SGD optimizer(model.parameters(), SGDOptions(0.001));
  Var loss;
  for (int epoch = 0; epoch < num_epochs; ++epoch) {
    for (const Batch& batch : train_dl) {
      Var pred = model(batch.x);
      loss = loss_fn(pred, batch.y);
      loss.backward();
      optimizer.step();
      optimizer.zero_grad();
    }
    if (epoch % log_epochs == 0) std::printf("Epoch %d Loss %.4f\n", epoch, loss.item());
  }
  std::printf("Final Parameters: %.4f %.4f\n", model.weight().item(), model.bias().item());
  return 0;
}
