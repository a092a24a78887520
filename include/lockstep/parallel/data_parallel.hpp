// lockstep/parallel/data_parallel.hpp — synchronous data-parallel training steps.
//
// For every global batch of B samples: the batch is cut into M fixed micro-shards (views, no
// copies; shard k holds rows [k B / M, (k + 1) B / M)); R replica threads each run forward and
// backward on a contiguous run of shards against the same parameters, the backward kernels
// writing each shard's gradient straight into that shard's own flat buffer (the shard's
// GradSink, given to backward()); the shard gradients are combined in one fixed binary tree over
// the M shards; the result, divided by B, is the gradient of the mean loss over the whole
// global batch (not of a mean of shard means: a short last batch and uneven shards are exact);
// then one optimizer step updates the shared parameters. Errors and stalls name the replica and
// the shard (its rows in the batch).
//
// Bitwise reproducibility: the order of every floating-point sum is fixed by the batch and M,
// never by R: the tree over the M shard buffers is summed in the all-reduce, element range by
// element range, always in the same order. So R = 1, 2, 3, 4, 8 give the same bits for the same
// M (M >= R). Memory: M gradient buffers the size of the parameters (plus the flat parameters
// and their gradients); M = R gives the fewest buffers and largest shards, but then the bits
// depend on R.
//
// Random modules: a step is told which batch of the run it is (BatchKey: the batch's epoch and
// index, as the DataLoader's Batch carries them), and each shard's forward pass runs under a
// ShardContext (that key and the shard's first global row), so nn::Dropout's masks depend on
// the sample's place in the run, not on the thread or shard that ran it: the same for every R
// and M, and the same again when a run is resumed.
//
// Gradient accumulation: with accumulate = k, k calls of step() sum their gradients and the
// k-th divides by all their samples and updates (PyTorch DDP's no_sync): the same as one step
// on the concatenated batch.
//
// Threads: each replica runs Eigen single-threaded. The all-reduce and the optimizer step are
// one parallel pass over the flat buffers: each replica sums its chunk of the parameter range
// over the shard tree and applies the optimizer's update to that chunk (Optimizer::
// update_slice); no locks, no per-tensor calls. Count the loader's workers in the core
// budget: replicas + loader workers <= cores. (lockstep/train/train_epoch.hpp feeds a
// DataParallel from a DataLoader.)
//
//   lockstep::DataParallel dp(model, loss_fn, optimizer, {.threads = 4});
//   for (const lockstep::Batch& batch : loader) {
//     const lockstep::StepStats& s = dp.step(batch.x, batch.y, {batch.epoch, batch.index});
//     std::printf("loss %.4f\n", s.loss);
//   }
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "lockstep/autograd/grad_sink.hpp"
#include "lockstep/nn/loss.hpp"
#include "lockstep/nn/module.hpp"
#include "lockstep/optim/optimizer.hpp"
#include "lockstep/parallel/flat_parameters.hpp"
#include "lockstep/parallel/replica_group.hpp"

namespace lockstep {

/// Which batch of the run a step computes: its epoch and its index within the epoch (Batch::
/// epoch, Batch::index). Random modules key their draws on it.
struct BatchKey {
  std::int64_t epoch = 0;
  std::int64_t index = 0;
};

struct DataParallelOptions {
  int threads = 1;       // replicas R
  int micro_shards = 8;  // M >= threads; fixes the summation order (see above)
  int accumulate = 1;    // batches per optimizer step
  /// A replica that has not finished a phase within this time is an error (0: wait forever).
  std::chrono::milliseconds stall_timeout{0};
  /// Clips the global gradient norm of every optimizer step to this (clip_grad_norm_, 0: off);
  /// StepStats::grad_norm then reports the norm before clipping.
  double max_grad_norm = 0;
  /// Called on the calling thread once the gradients of an optimizer step are reduced and
  /// averaged, before the update (e.g. to clip them). When set, the update is a second
  /// parallel pass instead of being fused into the all-reduce (so it is with max_grad_norm).
  std::function<void()> before_update{};
  void validate() const;
};

/// What one step() did and how long its phases took.
struct StepStats {
  BatchKey batch;          // which batch of the run this was
  double data_wait_s = 0;  // waiting for this batch (as the caller of step() measured it)
  double loss = 0;         // mean loss over the batch (loss function's reduction per shard)
  Index samples = 0;       // samples in this batch
  bool stepped = false;    // the optimizer stepped (last batch of an accumulation)
  /// The global gradient norm before clipping (max_grad_norm > 0 and stepped; else NaN).
  double grad_norm = std::numeric_limits<double>::quiet_NaN();
  double forward_backward_max_s = 0;   // slowest replica
  double forward_backward_mean_s = 0;  // mean over replicas (max / mean shows imbalance)
  double reduce_update_s = 0;          // all-reduce + optimizer step
  double total_s = 0;
  std::chrono::steady_clock::time_point started;  // when step() began
  std::vector<double> forward_backward_s;         // per replica
};

class DataParallel {
 public:
  /// After a stall error (stall_timeout) the step is abandoned but the late replica may still be
  /// running: keep this object, the model and the optimizer alive until it has returned (the
  /// object refuses further steps, saying why).
  ///
  /// Flattens the model's parameters (shared with `optimizer`, which must hold the same
  /// parameters) and starts the replica threads. `model` and `optimizer` must outlive this.
  DataParallel(Module& model, LossFn loss, Optimizer& optimizer, DataParallelOptions options = {});
  ~DataParallel();

  /// One global batch: features [B, in], targets [B, out], which is batch `key` of the run;
  /// `data_wait_s` (how long the caller waited for it) is passed on in the statistics. They
  /// stay valid until the next step (they are reused, so a steady-state step allocates nothing).
  const StepStats& step(const Tensor& x, const Tensor& y, BatchKey key, double data_wait_s = 0);
  /// The same, numbering the batches itself: epoch 0, index batches() (for loops that have no
  /// epochs; a resumed run should pass the key of each batch instead).
  const StepStats& step(const Tensor& x, const Tensor& y) {
    return step(x, y, {0, std::int64_t(batches_)});
  }

  /// Runs the all-reduce + optimizer-step pass again on the shard gradients left by the last
  /// step (they are summed in place, so the values drift): the pass alone, for benchmarks.
  /// Returns its seconds.
  double rerun_reduce_update();

  /// Batches stepped through this object so far.
  std::uint64_t batches() const { return batches_; }

  FlatParameters& flat() { return *flat_; }
  const DataParallelOptions& options() const { return options_; }

 private:
  void check_batch(const Tensor& x, const Tensor& y, BatchKey key) const;
  void run_forward_backward();
  void compute_shard(Index shard);
  std::string describe_shard(Index shard) const;
  const float* reduce_node(Index lo, Index hi, Index begin, Index end);
  void reduce_update(bool first, bool last, float scale);
  void forward_backward_phase(int replica);
  void all_reduce_phase(int replica);
  void update_phase(int replica);
  void update_range(Index begin, Index end);
  std::pair<Index, Index> chunk_of(int replica) const;

  // A phase of the step as a callable on this object (see reduce_update).
  struct Phase {
    DataParallel* self;
    void (DataParallel::*fn)(int);
    void operator()(int replica) const { (self->*fn)(replica); }
  };
  struct ReduceState {
    bool first = true, last = true, split = false;
    float scale = 1.0f;
  };
  ReduceState reduce_;
  // Members, not temporaries: a late replica after a stall still calls through them.
  Phase forward_backward_{this, &DataParallel::forward_backward_phase};
  Phase all_reduce_{this, &DataParallel::all_reduce_phase};
  Phase update_{this, &DataParallel::update_phase};

  Module& model_;
  LossFn loss_;
  Optimizer& optimizer_;
  DataParallelOptions options_;
  std::unique_ptr<FlatParameters> flat_;
  std::unique_ptr<ReplicaGroup> group_;
  std::vector<std::shared_ptr<float>> shard_grads_;  // one flat gradient buffer per micro-shard
  std::vector<GradSink> shard_sinks_;                // each backed by its shard's buffer
  std::vector<std::atomic<Index>> working_on_;       // per replica: its shard in progress, or -1
  std::vector<double> shard_loss_;
  std::vector<Index> shard_rows_;
  // The batch of the step in progress.
  Tensor x_, y_;
  Index batch_rows_ = 0;
  BatchKey key_;               // the batch in progress
  std::uint64_t batches_ = 0;  // batches stepped
  Index accumulated_batches_ = 0;
  Index accumulated_samples_ = 0;
  StepStats stats_;
};

}  // namespace lockstep
