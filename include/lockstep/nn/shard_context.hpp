// lockstep/nn/shard_context.hpp — what a module may know about the data-parallel shard it runs on.
//
// DataParallel runs the same modules on several replica threads at once, each on a micro-shard
// of the global batch. While it runs a shard's forward pass it installs a ShardContext on that
// thread: which batch of the run it is (the epoch and the batch's index, from the step's
// BatchKey), the shard's first row in the global batch, and a counter of random draws made so
// far in this shard's forward. A module that needs randomness (Dropout) keys it on these
// instead of on a shared generator, so its masks are a pure function of (seed, epoch, batch,
// draw, global row): the same for every number of replicas and micro-shards, and free of races.
// Outside DataParallel there is no context (current_shard() is null).
//
// Why this one piece of context is ambient (a thread-local set by a guard) and not an argument:
// it must reach a Dropout nested anywhere inside a user's Module, through forward(input) — the
// one signature every module implements, as in PyTorch. Passing it as an argument would make
// every container and user module forward it, and one that forgot would silently fall back to
// a generator shared between replica threads (a data race). The thread-local is set and reset
// by DataParallel alone, around each shard's forward, on the thread that runs it. (Where
// gradients go, by contrast, is an argument: Var::backward(grad, GradSink&).)
//
//   lockstep::ShardContext ctx{.epoch = 2, .batch = 17, .first_row = 64};
//   lockstep::ShardContextGuard guard(&ctx);   // on this thread until the guard ends
//   if (lockstep::ShardContext* s = lockstep::current_shard()) { /* s->batch, s->first_row */ }
#pragma once

#include <cstdint>

#include "lockstep/tensor/tensor.hpp"

namespace lockstep {

struct ShardContext {
  std::uint64_t epoch = 0;  // the global batch's epoch
  std::uint64_t batch = 0;  // the global batch's index within the epoch
  Index first_row = 0;      // the shard's first row in the global batch
  std::uint64_t draws = 0;  // random draws so far in this shard's forward (Dropout calls)
};

/// This thread's shard context, or null outside a data-parallel forward pass.
ShardContext* current_shard();

class ShardContextGuard {
 public:
  explicit ShardContextGuard(ShardContext* context);
  ~ShardContextGuard();
  ShardContextGuard(const ShardContextGuard&) = delete;
  ShardContextGuard& operator=(const ShardContextGuard&) = delete;

 private:
  ShardContext* previous_;
};

}  // namespace lockstep
