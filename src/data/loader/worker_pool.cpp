// The DataLoader's worker pool: a task_arena of num_workers threads, and worker_init_fn once
// per worker slot.
#include "data/loader/worker_pool.hpp"

#include <tbb/global_control.h>
#include <tbb/info.h>

#include <algorithm>
#include <memory>

#include "core/tsan.hpp"
#include "lockstep/core/error.hpp"

namespace lockstep {

namespace {
// The address that orders "enqueued" before "run" for ThreadSanitizer (see core/tsan.hpp).
char tbb_handoff;
// The address that orders observer callbacks before the observer's destruction.
char observer_done;

// oneTBB keeps (allowed parallelism - 1) worker threads for the whole process, by default the
// number of cores - 1: on 2 cores a 2-worker arena would get one thread. A loader asks for
// num_workers threads of its own besides the training threads, so the limit is raised (never
// lowered) to the largest number of workers any loader asked for, plus one.
void ensure_worker_threads(int workers) {
  static std::mutex mutex;
  static std::unique_ptr<tbb::global_control> control;
  static int allowed = 0;
  std::lock_guard lock(mutex);
  const int wanted = std::max(tbb::info::default_concurrency(), workers + 1);
  if (wanted <= allowed) return;
  control = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                  std::size_t(wanted));
  allowed = wanted;
}
}  // namespace

thread_local DataLoader::WorkerPool* DataLoader::WorkerPool::current_pool = nullptr;

DataLoader::WorkerPool::WorkerPool(int workers, std::function<void(int)> init)
    : arena_((ensure_worker_threads(workers), workers), /*reserved_for_masters=*/0),
      observer_(*this),
      init_(std::move(init)),
      initialized_(static_cast<std::size_t>(workers)) {
  observer_.observe(true);
}

DataLoader::WorkerPool::~WorkerPool() {
  observer_.observe(false);
  // observe(false) returns once no observer callback is running (oneTBB's guarantee, which
  // TSan cannot see inside the library): the callbacks' release pairs with this acquire.
  detail::annotate_acquire(&observer_done);
  // Every pop happened under the mutex: taking it orders them before the queue's destruction
  // (a job abandoned after a timeout may still be running, but no longer touches the pool).
  std::lock_guard lock(mutex_);
  jobs_.clear();
}

void DataLoader::WorkerPool::enqueue(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  detail::annotate_release(&tbb_handoff);
  arena_.enqueue([] { run_one(); });
}

std::exception_ptr DataLoader::WorkerPool::init_error() {
  std::lock_guard lock(mutex_);
  return init_error_;
}

void DataLoader::WorkerPool::Observer::on_scheduler_entry(bool) {
  detail::annotate_acquire(&tbb_handoff);
  current_pool = &pool_;
  pool_.enter();
  detail::annotate_release(&observer_done);
}

void DataLoader::WorkerPool::Observer::on_scheduler_exit(bool) {
  current_pool = nullptr;
  detail::annotate_release(&observer_done);
}

void DataLoader::WorkerPool::run_one() {
  detail::annotate_acquire(&tbb_handoff);
  WorkerPool* pool = current_pool;
  std::function<void()> job;
  {
    std::lock_guard lock(pool->mutex_);
    job = std::move(pool->jobs_.front());
    pool->jobs_.pop_front();
  }
  job();
}

void DataLoader::WorkerPool::enter() {
  if (!init_) return;
  const int slot = tbb::this_task_arena::current_thread_index();
  if (slot < 0 || slot >= static_cast<int>(initialized_.size())) return;
  {
    std::lock_guard lock(mutex_);
    if (initialized_[std::size_t(slot)]) return;
    initialized_[std::size_t(slot)] = true;
  }
  try {
    init_(slot);
  } catch (const std::exception& e) {
    record(slot, e.what());
  } catch (...) {
    record(slot, "unknown exception");
  }
}

void DataLoader::WorkerPool::record(int slot, const std::string& what) {
  std::lock_guard lock(mutex_);
  if (!init_error_) {
    init_error_ = std::make_exception_ptr(
        Error(detail::str_cat("DataLoader: worker_init_fn failed on worker ", slot, ": ", what)));
  }
}

}  // namespace lockstep
