// lockstep/parallel/data_parallel.hpp — synchronous data-parallel training steps.
//
// For every global batch of B samples: the batch is cut into M fixed micro-shards (views, no
// copies; shard k holds rows [k B / M, (k + 1) B / M)); R replica threads each run forward and
// backward on a contiguous run of shards against the same parameters, the backward kernels
// writing each shard's gradient straight into that shard's own flat buffer; the shard gradients
// are combined in one fixed binary tree over the M shards; the result, divided by B, is the
// gradient of the mean loss over the whole global batch (not of a mean of shard means: a short
// last batch and uneven shards are exact); then one optimizer step updates the shared
// parameters. Errors and stalls name the replica and the shard (its rows in the batch).
//
// Bitwise reproducibility: the order of every floating-point sum is fixed by the batch and M,
// never by R: the tree over the M shard buffers is summed in the all-reduce, element range by
// element range, always in the same order. So R = 1, 2, 3, 4, 8 give the same bits for the same
// M (M >= R). Memory: M gradient buffers the size of the parameters (plus the flat parameters
// and their gradients); M = R gives the fewest buffers and largest shards, but then the bits
// depend on R.
//
// Random modules: each shard's forward pass runs under a ShardContext (the batch number and the
// shard's first global row), so nn::Dropout's masks depend on the sample's row, not on the
// thread or shard that ran it (the masks are the same for every R and M), and the bits stay the
// same for every R.
//
// Gradient accumulation: with accumulate = k, k calls of step() sum their gradients and the
// k-th divides by all their samples and updates (PyTorch DDP's no_sync): the same as one step
// on the concatenated batch.
//
// Threads: each replica runs Eigen single-threaded. The all-reduce and the optimizer step are
// one parallel pass over the flat buffers: each replica sums its chunk of the parameter range
// over the shard tree and applies the optimizer's update to that chunk (Optimizer::
// update_slice); no locks, no per-tensor calls. Count the loader's workers in the core
// budget: replicas + loader workers <= cores.
//
//   lockstep::DataParallel dp(model, loss_fn, optimizer, {.threads = 4});
//   for (const lockstep::Batch& batch : loader) {
//     lockstep::StepStats s = dp.step(batch.x, batch.y);
//     std::printf("loss %.4f\n", s.loss);
//   }
//   // or, with the time spent waiting for data measured too:
//   lockstep::EpochStats e = dp.train_epoch(loader);
//   std::printf("loss %.4f, waited %.1f%% for data\n", e.loss, 100 * e.data_wait_s / e.total_s);
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lockstep/data/dataloader.hpp"
#include "lockstep/nn/module.hpp"
#include "lockstep/optim/optimizer.hpp"
#include "lockstep/parallel/flat_parameters.hpp"
#include "lockstep/parallel/replica_group.hpp"

namespace lockstep {

using LossFn = std::function<Var(const Var& output, const Var& target)>;

struct DataParallelOptions {
  int threads = 1;       // replicas R
  int micro_shards = 8;  // M >= threads; fixes the summation order (see above)
  int accumulate = 1;    // batches per optimizer step
  /// A replica that has not finished a phase within this time is an error (0: wait forever).
  std::chrono::milliseconds stall_timeout{0};
  /// Called on the calling thread once the gradients of an optimizer step are reduced and
  /// averaged, before the update (e.g. to clip them). When set, the update is a second
  /// parallel pass instead of being fused into the all-reduce.
  std::function<void()> before_update{};
  void validate() const;
};

/// What one step() did and how long its phases took.
struct StepStats {
  double data_wait_s = 0;  // waiting for this batch (train_epoch only; 0 from step())
  double loss = 0;         // mean loss over the batch (loss function's reduction per shard)
  Index samples = 0;       // samples in this batch
  bool stepped = false;    // the optimizer stepped (last batch of an accumulation)
  double forward_backward_max_s = 0;   // slowest replica
  double forward_backward_mean_s = 0;  // mean over replicas (max / mean shows imbalance)
  double reduce_update_s = 0;          // all-reduce + optimizer step
  double total_s = 0;
  std::vector<double> forward_backward_s;  // per replica
};

/// What one train_epoch() did: sums over its steps.
struct EpochStats {
  double loss = 0;  // mean loss over the epoch's samples
  Index samples = 0;
  Index steps = 0;  // batches stepped (optimizer steps: steps / accumulate)
  double data_wait_s = 0, forward_backward_max_s = 0, reduce_update_s = 0, total_s = 0;
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

  /// One global batch: features [B, in], targets [B, out]. The statistics stay valid until the
  /// next step (they are reused, so a steady-state step allocates nothing).
  const StepStats& step(const Tensor& x, const Tensor& y);

  /// One epoch of `loader` (a step per batch), measuring the time each batch was waited for.
  /// `on_step`, when given, sees every step's statistics (data_wait_s included) and may return
  /// false to end the epoch early; the loader then cancels its work in flight. Errors from the
  /// loader's workers and from the replicas reach the caller.
  EpochStats train_epoch(DataLoader& loader,
                         const std::function<bool(const StepStats&)>& on_step = {});

  /// Runs the all-reduce + optimizer-step pass again on the shard gradients left by the last
  /// step (they are summed in place, so the values drift): the pass alone, for benchmarks.
  /// Returns its seconds.
  double rerun_reduce_update();

  /// Batches stepped so far, which is also the number the next batch's random modules (Dropout,
  /// see lockstep/nn/shard_context.hpp) key their masks on. Restore it with set_batches() when
  /// resuming a run, so the masks continue where they left off.
  std::uint64_t batches() const { return batches_; }
  void set_batches(std::uint64_t batches) { batches_ = batches; }

  FlatParameters& flat() { return *flat_; }
  const DataParallelOptions& options() const { return options_; }

 private:
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
  std::vector<std::atomic<Index>> working_on_;       // per replica: its shard in progress, or -1
  std::vector<double> shard_loss_;
  std::vector<Index> shard_rows_;
  // The batch of the step in progress.
  Tensor x_, y_;
  Index batch_rows_ = 0;
  std::uint64_t batches_ = 0;  // batches stepped; the number of the batch in progress
  Index accumulated_batches_ = 0;
  Index accumulated_samples_ = 0;
  StepStats stats_;
};

}  // namespace lockstep
