// The 2-conv Fashion-MNIST network of issue 14 at batch 128: conv 32 3x3, relu, max pool 2,
// conv 64 3x3, relu, max pool 2, flatten, fc 128, relu, fc 10; cross-entropy, SGD(0.01,
// momentum 0.9); 28 x 28 grey images (random: the speed does not depend on the pixels).
// Arguments: {threads R, M}: M = 0 is the reproducible default (8 micro-shards, the same bits for
// every R), M = R the fewest, largest shards. PyTorch's side: benchmarks/torch_cnn.py (same net,
// same batch); compare figures measured in one sitting.
//   build/release/benchmarks/lockstep_cnn --benchmark_repetitions=3
//       --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <lockstep/lockstep.hpp>

namespace {

using namespace lockstep;

std::shared_ptr<Sequential> fashion_cnn(Generator& gen) {
  auto conv1 =
      std::make_shared<Conv2d>(ImageShape{1, 28, 28}, 32, 3, Conv2dOptions{.generator = &gen});
  auto pool1 = std::make_shared<MaxPool2d>(conv1->output_shape(), 2);
  auto conv2 =
      std::make_shared<Conv2d>(pool1->output_shape(), 64, 3, Conv2dOptions{.generator = &gen});
  auto pool2 = std::make_shared<MaxPool2d>(conv2->output_shape(), 2);
  return std::make_shared<Sequential>(
      conv1, std::make_shared<ReLU>(), pool1, conv2, std::make_shared<ReLU>(), pool2,
      std::make_shared<Flatten>(),
      std::make_shared<Linear>(pool2->output_shape().numel(), 128,
                               LinearOptions{.generator = &gen}),
      std::make_shared<ReLU>(),
      std::make_shared<Linear>(128, 10, LinearOptions{.generator = &gen}));
}

void BM_FashionCnnStep(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const int shards = state.range(1) == 0 ? 8 : static_cast<int>(state.range(1));
  constexpr Index kBatch = 128;
  Generator gen(1);
  auto net = fashion_cnn(gen);
  CrossEntropyLoss ce;
  SGD opt(net->parameters(), SGDOptions(0.01).momentum(0.9));
  DataParallel dp(*net, [&](const Var& o, const Var& t) { return ce(o, t); }, opt,
                  {.threads = threads, .micro_shards = shards});
  Tensor x = rand({kBatch, 784}, gen), y(kBatch, 1);
  for (Index i = 0; i < kBatch; ++i) y(i, 0) = static_cast<float>(gen.below(10));
  for (int i = 0; i < 3; ++i) dp.step(x, y);  // warm-up: workspaces and pools fill
  for (auto _ : state) benchmark::DoNotOptimize(dp.step(x, y).loss);
  state.counters["samples/s"] =
      benchmark::Counter(double(kBatch) * double(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_FashionCnnStep)
    ->ArgNames({"threads", "M"})
    ->Args({1, 0})
    ->Args({2, 0})
    ->Args({2, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
