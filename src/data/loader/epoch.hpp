// src/data/loader/epoch.hpp — internal: one DataLoader epoch in progress. Its batches are
// prepared by jobs (on the worker pool, or in the consumer's thread) each filling one recycled
// slot of a ring; the consumer takes them strictly in order with next(), and every wait
// happens on the consumer's thread, never inside a TBB task.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "lockstep/data/dataloader.hpp"

namespace lockstep {

struct DataLoader::Epoch : std::enable_shared_from_this<DataLoader::Epoch> {
  enum class State { Free, Loading, Ready, Failed, End };
  struct Slot {
    Tensor x_full, y_full;  // recycled storage, batch_size rows
    Batch batch;
    State state = State::Free;
    Index batch_index = -1;
    std::exception_ptr error;
  };

  // Configuration (copied, so an epoch never reads the loader).
  std::shared_ptr<const Dataset> dataset;
  std::shared_ptr<IterableDataset> stream;
  DataLoaderOptions options;
  std::uint64_t seed = 0;
  Index epoch = 0;
  Index fd = 0, td = 0;
  std::vector<std::vector<Index>> batches;  // map-style only
  WorkerPool* pool = nullptr;  // null: load in the consumer's thread. Owned by the loader
                               // (persistent) or the Iterator, so that a job never holds the
                               // last reference to the arena it runs in.

  // Progress, guarded by mutex.
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<Slot> slots;
  Index scheduled = 0;  // next batch to schedule
  Index released = 0;   // batches below this have been handed back by the consumer
  Index current = -1;   // the batch the consumer holds
  Index total = -1;     // batches in the epoch; for a stream, known once it ended
  int in_flight = 0;
  bool reading = false;       // a stream read is in progress
  Index stream_position = 0;  // samples read from the stream so far
  bool finished = false;      // ended, failed or cancelled: no more batches
  std::atomic<bool> cancelled{false};

  Slot& slot_of(Index b) { return slots[std::size_t(b % Index(slots.size()))]; }

  /// The consumer's side: hands back the held batch and waits for the next one (null at the
  /// end of the epoch). Rethrows a job's error.
  const Batch* next();
  /// Cancels what is in flight and waits for it (unless a job is known to be stuck).
  /// Returns false when it had to leave a job running (after a timeout).
  bool shutdown();
  /// Waits until no job is in flight.
  void wait_idle();

 private:
  // Starts jobs for every batch that has a free slot. Caller holds the lock.
  void schedule(std::unique_lock<std::mutex>& lock);
  void launch(Index b, std::unique_lock<std::mutex>& lock);
  void run(Index b);
  void prepare_slot(Slot& s, Index rows);
  void transform(Index b, Slot& s);
  [[noreturn]] void rethrow_sample_error(const SampleError& e, Index b);
  State fill(Index b, Slot& s);
  State fill_from_stream(Index b, Slot& s, bool& read_released);
};

namespace detail {
/// Ends an epoch (null: nothing to do). When a job had to be left running (a dataset call that
/// never returned within the timeout), the worker pool must outlive it and must not be
/// destroyed from inside its own arena: a detached reaper thread waits for the epoch's jobs and
/// then releases the pool.
void end_epoch(std::shared_ptr<DataLoader::Epoch>& epoch,
               std::shared_ptr<DataLoader::WorkerPool>&& pool);
}  // namespace detail

}  // namespace lockstep
