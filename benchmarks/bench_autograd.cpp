// The cost of one recorded autograd operation (forward + tape + backward) on small shapes, and
// of the forward kernels alone, to show the per-op overhead of the tape.
#include <benchmark/benchmark.h>

#include <lockstep/lockstep.hpp>
#include <lockstep/tensor/ops/matmul.hpp>

namespace {

using namespace lockstep;

void BM_MatmulForwardBackward(benchmark::State& state) {
  const Index n = state.range(0);
  Generator gen(1);
  Var a(randn({n, n}, gen), true), b(randn({n, n}, gen), true);
  for (auto _ : state) {
    Var c = sum(matmul(a, b));
    c.backward();
    benchmark::DoNotOptimize(a.grad().data());
  }
}
BENCHMARK(BM_MatmulForwardBackward)->Arg(1)->Arg(4)->Arg(16)->Arg(64);

void BM_MatmulKernelOnly(benchmark::State& state) {
  const Index n = state.range(0);
  Generator gen(1);
  Tensor a = randn({n, n}, gen), b = randn({n, n}, gen), out(n, n);
  for (auto _ : state) {
    ops::matmul_forward(out, a, b);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_MatmulKernelOnly)->Arg(1)->Arg(4)->Arg(16)->Arg(64);

void BM_AddBroadcastForwardBackward(benchmark::State& state) {
  const Index n = state.range(0);
  Generator gen(1);
  Var x(randn({n, n}, gen), true), bias(randn({1, n}, gen), true);
  for (auto _ : state) {
    Var y = sum(x + bias);
    y.backward();
    benchmark::DoNotOptimize(bias.grad().data());
  }
}
BENCHMARK(BM_AddBroadcastForwardBackward)->Arg(1)->Arg(16)->Arg(64);

void BM_NoGradForward(benchmark::State& state) {
  Generator gen(1);
  Var a(randn({4, 4}, gen), true), b(randn({4, 4}, gen), true);
  NoGradGuard no_grad;
  for (auto _ : state) {
    Var c = matmul(a, b);
    benchmark::DoNotOptimize(c.value().data());
  }
}
BENCHMARK(BM_NoGradForward);

}  // namespace
