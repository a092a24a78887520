// src/data/loader/worker_pool.hpp — internal: the DataLoader's worker pool, a oneTBB task_arena
// of num_workers threads that runs an epoch's jobs, and calls worker_init_fn once per worker
// slot (a task_scheduler_observer sees each thread enter the arena). Jobs travel through the
// pool's own mutex-guarded queue; the TBB task that runs one carries no data (see core/tsan.hpp).
#pragma once

#include <tbb/task_arena.h>
#include <tbb/task_scheduler_observer.h>

#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "lockstep/data/dataloader.hpp"

namespace lockstep {

class DataLoader::WorkerPool {
 public:
  /// An arena of `workers` threads (the process-wide worker limit is raised to fit); `init`,
  /// when set, is worker_init_fn.
  WorkerPool(int workers, std::function<void(int)> init);
  ~WorkerPool();

  /// Runs `job` on one of the pool's workers.
  void enqueue(std::function<void()> job);

  /// The first exception a worker_init_fn threw, if any.
  std::exception_ptr init_error();

 private:
  class Observer : public tbb::task_scheduler_observer {
   public:
    explicit Observer(WorkerPool& pool) : tbb::task_scheduler_observer(pool.arena_), pool_(pool) {}
    void on_scheduler_entry(bool) override;
    void on_scheduler_exit(bool) override;

   private:
    WorkerPool& pool_;
  };

  static void run_one();
  void enter();
  void record(int slot, const std::string& what);

  static thread_local WorkerPool* current_pool;  // the pool whose arena this thread is in

  tbb::task_arena arena_;
  Observer observer_;
  std::deque<std::function<void()>> jobs_;
  std::function<void(int)> init_;
  std::mutex mutex_;
  std::vector<bool> initialized_;
  std::exception_ptr init_error_;
};

}  // namespace lockstep
