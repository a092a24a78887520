// Time per training step of the chapter's nn program (Linear(1, 1), MSELoss, SGD, batch 1):
// forward, loss, backward, step, zero_grad. PyTorch's side is ../shared/bench/
// w0_seed_transcript.py; README.md "Performance" has both, measured in one sitting.
#include <benchmark/benchmark.h>

#include <lockstep/lockstep.hpp>

namespace {

void BM_ChapterNnStep(benchmark::State& state) {
  using namespace lockstep;
  Generator gen(1);
  Linear model(1, 1, {.bias = true, .generator = &gen});
  MSELoss loss_fn;
  SGD optimizer(model.parameters(), SGDOptions(0.001));
  Tensor x = Tensor::from_rows({{0.5f}});
  Tensor y = Tensor::from_rows({{2.0f}});
  for (auto _ : state) {
    Var loss = loss_fn(model(x), y);
    loss.backward();
    optimizer.step();
    optimizer.zero_grad();
    benchmark::DoNotOptimize(loss.value().data());
  }
  state.counters["steps/s"] =
      benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ChapterNnStep);

// The chapter's whole nn program: 200 epochs of 10 shuffled batches (2,000 steps) per iteration,
// including the data loader.
void BM_ChapterNnProgram(benchmark::State& state) {
  using namespace lockstep;
  Tensor x(10, 1), y = Tensor::column(std::vector<float>{1.0f, 1.3f, 3.1f, 2.0f, 5.0f, 6.3f, 6.6f,
                                                         7.4f, 8.0f, 9.0f});
  for (int i = 0; i < 10; ++i) x(i, 0) = float(i);
  auto ds = std::make_shared<TensorDataset>(Standardizer().fit_transform(x), y);
  for (auto _ : state) {
    Generator gen(1);
    DataLoader loader(ds, {.batch_size = 1, .shuffle = true, .seed = 1});
    Linear model(1, 1, {.bias = true, .generator = &gen});
    MSELoss loss_fn;
    SGD optimizer(model.parameters(), SGDOptions(0.001));
    for (int epoch = 0; epoch < 200; ++epoch)
      for (const Batch& b : loader) {
        Var loss = loss_fn(model(b.x), b.y);
        loss.backward();
        optimizer.step();
        optimizer.zero_grad();
      }
    benchmark::DoNotOptimize(model.weight().value().data());
  }
  state.counters["steps/s"] =
      benchmark::Counter(2000.0 * double(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ChapterNnProgram)->Unit(benchmark::kMillisecond);

// A training step of the chapter's Iris network at batch 2: Linear(4, 16) - Sigmoid -
// Linear(16, 3), cross-entropy, Adam. PyTorch's side is ../shared/bench/w1_iris_mlp.py;
// README.md "Performance" has both, measured in one sitting.
void BM_IrisStep(benchmark::State& state) {
  using namespace lockstep;
  manual_seed(1);
  Sequential model(std::make_shared<Linear>(4, 16), std::make_shared<Sigmoid>(),
                   std::make_shared<Linear>(16, 3));
  CrossEntropyLoss loss_fn;
  Adam optimizer(model.parameters(), AdamOptions(0.001));
  Tensor x = Tensor::from_rows({{0.1f, -0.2f, 0.3f, 0.4f}, {1.0f, 0.5f, -0.5f, -1.0f}});
  Tensor y = Tensor::from_rows({{0.0f}, {2.0f}});
  for (auto _ : state) {
    Var loss = loss_fn(model(x), y);
    loss.backward();
    optimizer.step();
    optimizer.zero_grad();
    benchmark::DoNotOptimize(loss.value().data());
  }
  state.counters["steps/s"] =
      benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_IrisStep);

// A plain single-threaded training step (no replicas, no micro-shards) of the 784-256-128-10
// ReLU MLP at batch 256: cross-entropy, SGD(0.01, momentum 0.9). PyTorch's mlp-medium runs the
// same step (../shared/bench/w2_w4_torch_train.py w2, T=1).
void BM_MlpMediumPlainStep(benchmark::State& state) {
  using namespace lockstep;
  manual_seed(0);
  Sequential model(std::make_shared<Linear>(784, 256), std::make_shared<ReLU>(),
                   std::make_shared<Linear>(256, 128), std::make_shared<ReLU>(),
                   std::make_shared<Linear>(128, 10));
  CrossEntropyLoss loss_fn;
  SGD optimizer(model.parameters(), SGDOptions(0.01).momentum(0.9));
  Generator gen(1);
  Tensor x = randn({256, 784}, gen), y(256, 1);
  for (Index i = 0; i < 256; ++i) y(i, 0) = float(i % 10);
  for (auto _ : state) {
    Var loss = loss_fn(model(x), y);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    benchmark::DoNotOptimize(loss.value().data());
  }
  state.counters["samples/s"] =
      benchmark::Counter(256.0 * double(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_MlpMediumPlainStep)->Unit(benchmark::kMicrosecond);

}  // namespace
