// The data-parallel workloads of ../shared/bench (PyTorch's side of the comparison), on the
// very same synthetic samples in the very same order (data/synthetic.hpp):
//   mlp-medium  784-256-128-10 ReLU, cross-entropy, SGD(0.01, momentum 0.9), batch 256, one
//               epoch of 60,000 (235 steps), order synthetic_permutation(60000, 2)
//   mlp-large   1024-2048-2048-10 ReLU, batch 512, 10 timed steps (compute-bound; GFLOP/s =
//               6 x parameters x samples/s)
//   linreg-wide Linear(256, 1), MSE, SGD(0.01), batch 1024, one epoch of 1,000,000 samples fed
//               by the DataLoader (loader workers prefetch the gathers)
//   allreduce   the all-reduce + optimizer-step pass alone, against a plain a += b pass
// Arguments: {threads R, weak, M}: weak = 0 keeps the global batch fixed (strong scaling), weak = 1
// keeps the per-replica batch fixed (global batch x R); M = 0 uses the reproducible default of
// 8 micro-shards (bitwise equal results for 1-8 replicas; 16 beyond 8 replicas), M = R the fewest,
// largest shards. Each case runs one timed epoch per repetition after 5 warm-up steps, as the
// PyTorch scripts do; compare medians.
//   build/release/benchmarks/lockstep_scaling --benchmark_repetitions=3
//       --benchmark_report_aggregates_only=true --benchmark_filter=MlpMedium   (one line)
#include <benchmark/benchmark.h>

#include <bit>
#include <cstring>
#include <lockstep/data/synthetic.hpp>
#include <lockstep/lockstep.hpp>
#include <lockstep/nn/activation.hpp>
#include <lockstep/nn/sequential.hpp>
#include <lockstep/parallel/data_parallel.hpp>
#include <thread>

namespace {

using namespace lockstep;

struct InMemory {
  Tensor x, y;
};

InMemory materialize(const Dataset& ds) {
  InMemory m{Tensor(ds.size(), ds.feature_dim()), Tensor(ds.size(), ds.target_dim())};
  const Index fd = ds.feature_dim(), td = ds.target_dim();
  for (Index i = 0; i < ds.size(); ++i)
    ds.get(i, {m.x.data() + i * fd, std::size_t(fd)}, {m.y.data() + i * td, std::size_t(td)});
  return m;
}

const InMemory& mlp_medium_data() {
  static const InMemory d = materialize(SyntheticClassification(60000, 784, 10, 2));
  return d;
}
const InMemory& mlp_large_data() {
  static const InMemory d = materialize(SyntheticClassification(45 * 512, 1024, 10, 3));
  return d;
}

std::shared_ptr<Sequential> mlp(const std::vector<Index>& sizes) {
  auto seq = std::make_shared<Sequential>();
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i) {
    seq->push_back(std::make_shared<Linear>(sizes[i], sizes[i + 1]));
    if (i + 2 < sizes.size()) seq->push_back(std::make_shared<ReLU>());
  }
  return seq;
}

int micro_shards_for(int threads) { return std::max(8, int(std::bit_ceil(unsigned(threads)))); }

// Gathers rows `idx` of `src` into the first idx.size() rows of `dst`.
void gather(const Tensor& src, std::span<const Index> idx, Tensor& dst) {
  const Index c = src.cols();
  for (std::size_t r = 0; r < idx.size(); ++r)
    std::memcpy(dst.data() + Index(r) * c, src.data() + idx[r] * c, std::size_t(c) * sizeof(float));
}

void classify(benchmark::State& state, const InMemory& data, const std::vector<Index>& sizes,
              Index per_replica_or_global, Index timed_steps, bool permuted, std::uint64_t seed) {
  const int threads = int(state.range(0));
  const bool weak = state.range(1) != 0;
  // Micro-shards: 0 = the reproducible default (8, bitwise equal for 1..8 replicas); else M.
  const int shards = state.range(2) == 0 ? micro_shards_for(threads) : int(state.range(2));
  const Index batch = weak ? per_replica_or_global * threads : per_replica_or_global;
  const Index n = data.x.rows();
  std::vector<Index> order(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) order[std::size_t(i)] = i;
  if (permuted) order = synthetic_permutation(n, seed);
  Tensor xb(batch, data.x.cols()), yb(batch, 1);
  double samples = 0, gflop = 0, reduce_s = 0, step_s = 0;
  for (auto _ : state) {
    state.PauseTiming();
    manual_seed(0);
    auto model = mlp(sizes);
    SGD opt(model->parameters(), SGDOptions(0.01).momentum(0.9));
    CrossEntropyLoss ce;
    DataParallel dp(*model, [&](const Var& o, const Var& t) { return ce(o, t); }, opt,
                    {.threads = threads, .micro_shards = shards});
    const Index steps = timed_steps > 0 ? timed_steps : (n + batch - 1) / batch;
    auto run_step = [&](Index s) {
      const Index begin = (s * batch) % n, count = std::min(batch, n - begin);
      std::span<const Index> idx(order.data() + begin, std::size_t(count));
      Tensor x = count == batch ? xb : xb.rows_view(0, count);
      Tensor y = count == batch ? yb : yb.rows_view(0, count);
      gather(data.x, idx, x);
      gather(data.y, idx, y);
      const StepStats& st = dp.step(x, y);
      reduce_s += st.reduce_update_s;
      step_s += st.total_s;
      return count;
    };
    for (Index s = 0; s < 5; ++s) run_step(s);
    reduce_s = step_s = 0;
    state.ResumeTiming();
    for (Index s = 0; s < steps; ++s) samples += double(run_step(timed_steps > 0 ? s + 5 : s));
    gflop += 6.0 * double(model->num_parameters()) * 1e-9;
  }
  state.counters["samples/s"] = benchmark::Counter(samples, benchmark::Counter::kIsRate);
  state.counters["GFLOP/s"] =
      benchmark::Counter(gflop * samples / double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["batch"] = double(batch);
  // The share of the step spent in the all-reduce + update pass (the rest: forward/backward).
  state.counters["reduce%"] = 100.0 * reduce_s / std::max(step_s, 1e-12);
}

void BM_MlpMedium(benchmark::State& state) {
  classify(state, mlp_medium_data(), {784, 256, 128, 10}, 256, 0, true, 2);
}
void BM_MlpLarge(benchmark::State& state) {
  classify(state, mlp_large_data(), {1024, 2048, 2048, 10}, 512, 10, false, 3);
}

void scaling_args(benchmark::internal::Benchmark* b) {
  const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
  for (int weak : {0, 1})
    for (int r = 1; r <= cores; r *= 2) b->Args({r, weak, 0});
  // M = R: the fewest, largest shards (fastest; bitwise equal only across runs with that R).
  for (int r = 1; r <= cores; r *= 2) b->Args({r, 0, r});
  b->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
}
BENCHMARK(BM_MlpMedium)->Apply(scaling_args);
BENCHMARK(BM_MlpLarge)->Apply(scaling_args);

// linreg-wide: the loader gathers (and prefetches, with workers) while the replicas compute.
class FixedOrder : public Sampler {
 public:
  explicit FixedOrder(std::vector<Index> order) : order_(std::move(order)) {}
  std::vector<Index> indices(Index) const override { return order_; }
  Index size() const override { return Index(order_.size()); }

 private:
  std::vector<Index> order_;
};

void BM_LinregWide(benchmark::State& state) {
  const int threads = int(state.range(0));
  const int workers = int(state.range(1));
  static const InMemory data = materialize(SyntheticRegression(1000000, 256, 4));
  static const auto order = std::make_shared<FixedOrder>(synthetic_permutation(1000000, 4));
  auto ds = std::make_shared<TensorDataset>(data.x, data.y);
  double samples = 0;
  for (auto _ : state) {
    state.PauseTiming();
    manual_seed(0);
    Linear model(256, 1);
    SGD opt(model.parameters(), SGDOptions(0.01));
    MSELoss mse;
    DataParallel dp(model, [&](const Var& o, const Var& t) { return mse(o, t); }, opt,
                    {.threads = threads, .micro_shards = micro_shards_for(threads)});
    DataLoader loader(ds, {.batch_size = 1024,
                           .sampler = order,
                           .seed = 4,
                           .num_workers = workers,
                           .prefetch_factor = 4});
    {
      int warm = 0;
      for (const Batch& b : loader) {
        dp.step(b.x, b.y);
        if (++warm == 5) break;
      }
    }
    state.ResumeTiming();
    for (const Batch& b : loader) {
      dp.step(b.x, b.y);
      samples += double(b.size());
    }
  }
  state.counters["samples/s"] = benchmark::Counter(samples, benchmark::Counter::kIsRate);
}
void linreg_args(benchmark::internal::Benchmark* b) {
  const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
  for (int r = 1; r <= cores; r *= 2)
    for (int workers : {0, 1, 2, 4, 8})
      if (workers <= 2 || r + workers <= cores) b->Args({r, workers});
  b->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
}
BENCHMARK(BM_LinregWide)->Apply(linreg_args);

// The all-reduce + SGD step (args: bytes, replicas R, momentum 0/1) over a flat buffer, against
// `a += b` over the same bytes. Each replica holds one shard's gradient (M = R). Memory streams
// per element: a += b moves 3 (read a, b; write a); the pass moves R + 3 with plain SGD (read
// the R shard gradients and the parameter, write the gradient and the parameter) and R + 5
// with momentum (also read and write the momentum buffer). "moved" counts those bytes per
// second: the figure to hold against a += b's.
class OneVector : public Module {
 public:
  explicit OneVector(Index n) { w = register_parameter("w", Tensor(1, n)); }
  Var forward(const Var& x) override { return mul(x, w); }
  Var w;
};

void BM_AllReduceUpdate(benchmark::State& state) {
  const Index n = state.range(0) / Index(sizeof(float));
  const int threads = int(state.range(1));
  const bool momentum = state.range(2) != 0;
  OneVector model(n);
  SGD opt(model.parameters(), SGDOptions(0.01).momentum(momentum ? 0.9 : 0.0));
  DataParallel dp(model, [](const Var& o, const Var& t) { return mse_loss(o, t); }, opt,
                  {.threads = threads, .micro_shards = threads});
  Tensor x = Tensor::ones({threads, 1}), y(threads, n);
  dp.step(x, y);
  for (auto _ : state) state.SetIterationTime(dp.rerun_reduce_update());
  state.SetBytesProcessed(int64_t(state.iterations()) * state.range(0));
  const double streams = threads + (momentum ? 5 : 3);
  state.counters["moved"] =
      benchmark::Counter(double(state.iterations()) * double(state.range(0)) * streams,
                         benchmark::Counter::kIsRate, benchmark::Counter::kIs1024);
}

void BM_PlainAddPass(benchmark::State& state) {
  const Index n = state.range(0) / Index(sizeof(float));
  Tensor a(1, n), b(1, n);
  b.fill_(1.0f);
  for (auto _ : state) {
    a.map() += b.map();
    benchmark::DoNotOptimize(a.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * state.range(0));
  state.counters["moved"] =
      benchmark::Counter(double(state.iterations()) * double(state.range(0)) * 3,
                         benchmark::Counter::kIsRate, benchmark::Counter::kIs1024);
}

void all_reduce_args(benchmark::internal::Benchmark* b) {
  const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
  for (std::int64_t bytes : {64 << 10, 1 << 20, 16 << 20, 256 << 20})
    for (int r = 1; r <= cores; r *= 2)
      for (int momentum : {0, 1}) b->Args({bytes, r, momentum});
  b->UseManualTime();
}
BENCHMARK(BM_AllReduceUpdate)->Apply(all_reduce_args);
BENCHMARK(BM_PlainAddPass)->Arg(64 << 10)->Arg(1 << 20)->Arg(16 << 20)->Arg(256 << 20);

}  // namespace
