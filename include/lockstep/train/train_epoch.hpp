// lockstep/train/train_epoch.hpp — one epoch of a DataLoader through a DataParallel: the loop
// that feeds the data-parallel step, with the time spent waiting for each batch measured.
//
// Each batch is stepped with its own key (Batch::epoch, Batch::index), so random modules draw
// the same masks whether the epoch runs whole or is resumed part-way (first_batch). on_step
// sees every step's statistics (data_wait_s included) and may return false to end the epoch
// early; the loader then cancels its work in flight. Errors from the loader's workers and from
// the replicas reach the caller.
//
//   lockstep::DataParallel dp(model, loss_fn, optimizer, {.threads = 4});
//   for (int epoch = 0; epoch < 10; ++epoch) {
//     lockstep::EpochStats e = lockstep::train_epoch(dp, loader);
//     std::printf("loss %.4f, waited %.1f%% for data\n", e.loss, 100 * e.data_wait_s / e.total_s);
//   }
#pragma once

#include <functional>

#include "lockstep/data/dataloader.hpp"
#include "lockstep/parallel/data_parallel.hpp"

namespace lockstep {

/// What one train_epoch() did: sums over its steps.
struct EpochStats {
  double loss = 0;  // mean loss over the epoch's samples
  Index samples = 0;
  Index steps = 0;  // batches stepped (optimizer steps: steps / accumulate)
  double data_wait_s = 0, forward_backward_max_s = 0, reduce_update_s = 0, total_s = 0;
};

/// Sees each step; returns false to end the epoch after it.
using OnStep = std::function<bool(const StepStats&)>;

/// One epoch of `loader` (its next one), a step of `dp` per batch. Batches whose index is below
/// `first_batch` are read but not stepped, and not counted.
EpochStats train_epoch(DataParallel& dp, DataLoader& loader, const OnStep& on_step = {},
                       Index first_batch = 0);

}  // namespace lockstep
