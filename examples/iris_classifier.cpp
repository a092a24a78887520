// The chapter's Iris classifier: a seeded 100/50 train/test split of the 150 flowers,
// standardized with the training statistics, Linear(4, 16) - Sigmoid - Linear(16, 3),
// cross-entropy, Adam(lr = 0.001), batch 2, shuffled, 100 epochs. Prints the training loss and
// accuracy of every epoch and the test accuracy, saves the model (safetensors, with its
// standardization and class names), loads it into a fresh model and shows that the loaded
// model predicts the same.
//
//   iris_classifier [iris.csv] [model.safetensors]     (default: the built-in copy of
//                                                        data/iris.csv,
//                                                        ./iris_classifier.safetensors)
#include <cstdio>
#include <lockstep/lockstep.hpp>
#include <string>

namespace {

using namespace lockstep;

std::shared_ptr<Sequential> make_model() {
  return std::make_shared<Sequential>(std::make_shared<Linear>(4, 16), std::make_shared<Sigmoid>(),
                                      std::make_shared<Linear>(16, 3));
}

// All rows of a dataset as tensors (one bulk get_batch).
std::pair<Tensor, Tensor> gather(const Dataset& ds) {
  Tensor x(ds.size(), ds.feature_dim()), y(ds.size(), ds.target_dim());
  std::vector<Index> all(static_cast<std::size_t>(ds.size()));
  for (Index i = 0; i < ds.size(); ++i) all[std::size_t(i)] = i;
  ds.get_batch(all, x, y);
  return {x, y};
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const CsvData iris = argc > 1 ? read_csv(argv[1]) : load_builtin("iris");
    const std::string model_path = argc > 2 ? argv[2] : "iris_classifier.safetensors";

    // A seeded 100/50 split, then standardization with the training statistics only.
    auto splits = random_split(iris.dataset(), {Index(100), Index(50)}, /*seed=*/1);
    auto [x_train, y_train] = gather(*splits[0]);
    auto [x_test, y_test] = gather(*splits[1]);
    Standardizer scaler;
    x_train = scaler.fit_transform(x_train);
    x_test = scaler.transform(x_test);

    manual_seed(1);
    auto train_ds = std::make_shared<TensorDataset>(x_train, y_train);
    DataLoader train_dl(train_ds, {.batch_size = 2, .shuffle = true});
    auto model = make_model();
    CrossEntropyLoss loss_fn;
    Adam optimizer(model->parameters(), AdamOptions(0.001));

    const int num_epochs = 100;
    for (int epoch = 0; epoch < num_epochs; ++epoch) {
      double loss_sum = 0;
      std::int64_t correct = 0;
      for (const Batch& batch : train_dl) {
        Var pred = (*model)(batch.x);
        Var loss = loss_fn(pred, batch.y);
        loss.backward();
        optimizer.step();
        optimizer.zero_grad();
        loss_sum += double(loss.item()) * double(batch.size());
        correct += count_correct(pred.value(), batch.y);
      }
      std::printf("Epoch %d Loss %.4f Accuracy %.4f\n", epoch, loss_sum / double(train_ds->size()),
                  double(correct) / double(train_ds->size()));
    }

    Tensor test_pred;
    {
      NoGradGuard no_grad;
      model->eval();
      test_pred = (*model)(x_test).value();
    }
    std::printf("Test accuracy: %.4f\n", accuracy(test_pred, y_test));

    // Keep the model with what is needed to use it (the metadata `lockstep eval` and
    // `lockstep predict` read), then load it into a fresh one.
    ModelInfo info;
    info.spec = {.model = "mlp:16", .activation = "sigmoid", .inputs = 4, .outputs = 3};
    info.classification = true;
    info.loss = "cross-entropy";
    info.mean = scaler.mean();
    info.stddev = scaler.stddev();
    info.class_names = iris.class_names;
    info.feature_names = iris.feature_names;
    info.target = iris.target_name;
    const SafetensorsMetadata meta = model_metadata(info);
    save_module(model_path, *model, meta);
    auto loaded = make_model();
    load_module(model_path, *loaded);
    NoGradGuard no_grad;
    loaded->eval();
    Tensor loaded_pred = (*loaded)(x_test).value();
    const auto a = argmax_rows(test_pred), b = argmax_rows(loaded_pred);
    std::printf("Saved %s; the loaded model predicts", model_path.c_str());
    for (int i = 0; i < 5; ++i)
      std::printf(" %s", iris.class_names[std::size_t(b[std::size_t(i)])].c_str());
    std::printf(" ... for the first test flowers; %s\n",
                a == b && test_pred.to_vector() == loaded_pred.to_vector()
                    ? "identical to the trained model"
                    : "DIFFERENT from the trained model");
    return a == b ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "iris_classifier: %s\n", e.what());
    return 1;
  }
}
