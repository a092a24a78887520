// DataLoader throughput in batches/s against num_workers, batch 64 of 64-float samples, as
// ../shared/bench/w5_dataloader.py measures PyTorch's: one repetition = a new loader, 20
// untimed warm-up batches (worker start-up included there), then 200 timed batches.
//   heavy   get(i) does ~40 us of CPU work: rounds of sin over 8192 floats (the reference's
//           computation, in float32 with Eigen's vectorized sin, 24 rounds instead of numpy's 6
//           to cost about as much); the us/sample counter says what it costs here
//   trivial get(i) copies a row of a preallocated tensor: pure per-batch overhead
//   build/release/benchmarks/lockstep_loader --benchmark_repetitions=3
//       --benchmark_report_aggregates_only=true   (one line)
#include <benchmark/benchmark.h>

#include <chrono>
#include <lockstep/lockstep.hpp>

namespace {

using namespace lockstep;
constexpr Index kSamples = 64 * 240;

class Heavy : public Dataset {
 public:
  Heavy() : base_(Eigen::ArrayXf::LinSpaced(8192, 0.0f, 1.0f)) {}
  Index size() const override { return kSamples; }
  Index feature_dim() const override { return 64; }
  Index target_dim() const override { return 1; }
  void get(Index i, std::span<float> x, std::span<float> y) const override {
    Eigen::ArrayXf a = base_ * float(i % 97 + 1);
    for (int k = 0; k < 24; ++k) a = a.sin();
    Eigen::Map<Eigen::Array<float, 64, Eigen::Dynamic>> m(a.data(), 64, 128);
    Eigen::Map<Eigen::ArrayXf>(x.data(), 64) = m.rowwise().sum();
    y[0] = float(i % 10);
  }

 private:
  Eigen::ArrayXf base_;
};

void run(benchmark::State& state, std::shared_ptr<const Dataset> ds) {
  const int workers = int(state.range(0));
  double batches = 0;
  for (auto _ : state) {
    DataLoader loader(ds, {.batch_size = 64, .shuffle = true, .seed = 0, .num_workers = workers});
    int seen = 0;
    auto start = std::chrono::steady_clock::now();
    for (const Batch& b : loader) {
      benchmark::DoNotOptimize(b.x.data());
      if (++seen == 20) start = std::chrono::steady_clock::now();
      if (seen == 220) break;
    }
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    batches += 200;
  }
  state.counters["batches/s"] = benchmark::Counter(batches, benchmark::Counter::kIsRate);
}

void BM_LoaderHeavy(benchmark::State& state) {
  static auto ds = std::make_shared<Heavy>();
  run(state, ds);
  // The per-sample cost of the work itself, single-threaded.
  float x[64], y[1];
  const auto t0 = std::chrono::steady_clock::now();
  for (Index i = 0; i < 200; ++i) ds->get(i, x, y);
  state.counters["us/sample"] =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() /
      200;
}

void BM_LoaderTrivial(benchmark::State& state) {
  static auto ds = [] {
    Generator gen(0);
    return std::make_shared<TensorDataset>(rand({kSamples, 64}, gen), Tensor(kSamples, 1));
  }();
  run(state, ds);
}

BENCHMARK(BM_LoaderHeavy)->Arg(0)->Arg(1)->Arg(2)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LoaderTrivial)->Arg(0)->Arg(1)->Arg(2)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
