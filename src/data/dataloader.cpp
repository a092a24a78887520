// The DataLoader: an epoch's batches are prepared by jobs in a oneTBB task_arena, each job
// filling one recycled slot; the consumer takes batches strictly in order, and every wait
// happens on the consumer's thread, never inside a TBB task.
#include "lockstep/data/dataloader.hpp"

#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/task_arena.h>
#include <tbb/task_scheduler_observer.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <numeric>
#include <thread>

#include "core/tsan.hpp"
#include "lockstep/core/error.hpp"

namespace lockstep {

namespace {
// The address that orders "enqueued" before "run" for ThreadSanitizer (see core/tsan.hpp).
char tbb_handoff;
// The address that orders observer callbacks before the observer's destruction.
char observer_done;
}  // namespace

// ---------------------------------------------------------------------------------------------
// Worker pool: a task_arena of num_workers threads, and worker_init_fn once per worker slot.

namespace {
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

class DataLoader::WorkerPool {
 public:
  WorkerPool(int workers, std::function<void(int)> init)
      : arena_((ensure_worker_threads(workers), workers), /*reserved_for_masters=*/0),
        observer_(*this),
        init_(std::move(init)),
        initialized_(static_cast<std::size_t>(workers)) {
    observer_.observe(true);
  }
  ~WorkerPool() {
    observer_.observe(false);
    // observe(false) returns once no observer callback is running (oneTBB's guarantee, which
    // TSan cannot see inside the library): the callbacks' release pairs with this acquire.
    detail::annotate_acquire(&observer_done);
    // Every pop happened under the mutex: taking it orders them before the queue's destruction
    // (a job abandoned after a timeout may still be running, but no longer touches the pool).
    std::lock_guard lock(mutex_);
    jobs_.clear();
  }

  /// Runs `job` on one of the pool's workers. The job travels through this pool's own
  /// mutex-guarded queue; the TBB task that runs it carries no data (see core/tsan.hpp).
  void enqueue(std::function<void()> job) {
    {
      std::lock_guard lock(mutex_);
      jobs_.push_back(std::move(job));
    }
    detail::annotate_release(&tbb_handoff);
    arena_.enqueue([] { run_one(); });
  }

  /// The first exception a worker_init_fn threw, if any.
  std::exception_ptr init_error() {
    std::lock_guard lock(mutex_);
    return init_error_;
  }

 private:
  class Observer : public tbb::task_scheduler_observer {
   public:
    explicit Observer(WorkerPool& pool) : tbb::task_scheduler_observer(pool.arena_), pool_(pool) {}
    void on_scheduler_entry(bool) override {
      detail::annotate_acquire(&tbb_handoff);
      current_pool = &pool_;
      pool_.enter();
      detail::annotate_release(&observer_done);
    }
    void on_scheduler_exit(bool) override {
      current_pool = nullptr;
      detail::annotate_release(&observer_done);
    }

   private:
    WorkerPool& pool_;
  };

  static void run_one() {
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

  void enter() {
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

  void record(int slot, const std::string& what) {
    std::lock_guard lock(mutex_);
    if (!init_error_) {
      init_error_ = std::make_exception_ptr(
          Error(detail::str_cat("DataLoader: worker_init_fn failed on worker ", slot, ": ", what)));
    }
  }

  static thread_local WorkerPool* current_pool;  // the pool whose arena this thread is in

  tbb::task_arena arena_;
  Observer observer_;
  std::deque<std::function<void()>> jobs_;
  std::function<void(int)> init_;
  std::mutex mutex_;
  std::vector<bool> initialized_;
  std::exception_ptr init_error_;
};

thread_local DataLoader::WorkerPool* DataLoader::WorkerPool::current_pool = nullptr;

// ---------------------------------------------------------------------------------------------
// One epoch in progress.

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

  // Starts jobs for every batch that has a free slot. Caller holds the lock.
  void schedule(std::unique_lock<std::mutex>& lock) {
    if (cancelled || finished) return;
    const Index limit = released + Index(slots.size());
    if (stream) {
      if (!reading && (total < 0 || scheduled < total) && scheduled < limit) {
        reading = true;
        launch(scheduled++, lock);
      }
      return;
    }
    while (scheduled < total && scheduled < limit) launch(scheduled++, lock);
  }

  void launch(Index b, std::unique_lock<std::mutex>& lock) {
    Slot& s = slot_of(b);
    s.state = State::Loading;
    s.batch_index = b;
    s.error = nullptr;
    ++in_flight;
    if (pool != nullptr) {
      pool->enqueue([self = shared_from_this(), b] { self->run(b); });
    } else {
      lock.unlock();
      run(b);
      lock.lock();
    }
  }

  // A job: fill the slot of batch b, then publish the result.
  void run(Index b) {
    Slot& s = slot_of(b);
    State result = State::Ready;
    bool read_released = false;  // fill_from_stream hands the stream on once it has read
    try {
      if (pool != nullptr) {
        if (auto e = pool->init_error()) std::rethrow_exception(e);
      }
      if (!cancelled) result = stream ? fill_from_stream(b, s, read_released) : fill(b, s);
    } catch (...) {
      s.error = std::current_exception();
      result = State::Failed;
    }
    std::unique_lock lock(mutex);
    s.state = result;
    if (result == State::End && (total < 0 || b < total)) total = b;
    if (stream && !read_released) {
      reading = false;  // the read failed or was cancelled: the stream ends here
      if (total < 0 || b < total) total = b + (result == State::Failed ? 1 : 0);
    }
    --in_flight;
    changed.notify_all();
  }

  void prepare_slot(Slot& s, Index rows) {
    s.batch.x = Tensor();
    s.batch.y = Tensor();
    // Reuse the slot's storage unless the caller kept a handle to an earlier batch in it.
    if (!s.x_full.defined() || s.x_full.storage_use_count() > 1 || s.x_full.rows() < rows) {
      s.x_full = Tensor(Shape{std::max(rows, options.batch_size), fd});
    }
    if (!s.y_full.defined() || s.y_full.storage_use_count() > 1 || s.y_full.rows() < rows) {
      s.y_full = Tensor(Shape{std::max(rows, options.batch_size), td});
    }
    s.batch.x = s.x_full.rows() == rows ? s.x_full : s.x_full.rows_view(0, rows);
    s.batch.y = s.y_full.rows() == rows ? s.y_full : s.y_full.rows_view(0, rows);
  }

  std::span<float> row(Tensor& t, Index r) {
    return {t.data() + r * t.cols(), static_cast<std::size_t>(t.cols())};
  }

  void transform(Index b, Slot& s) {
    Batch& batch = s.batch;
    if (options.transform) {
      for (Index r = 0; r < batch.size(); ++r) {
        if (cancelled) return;
        const Index i = batch.indices[std::size_t(r)];
        Generator rng = Generator::derive(seed, {std::uint64_t(epoch), std::uint64_t(i)});
        try {
          options.transform(row(batch.x, r), row(batch.y, r), rng);
        } catch (const std::exception& e) {
          std::throw_with_nested(
              Error(detail::str_cat("DataLoader: transform failed on sample ", i, " of batch ", b,
                                    " (epoch ", epoch, "): ", e.what())));
        }
      }
    }
    if (options.batch_transform) {
      Generator rng = Generator::derive(
          seed, {std::uint64_t(epoch), std::uint64_t(b), DataLoader::kBatchStream});
      try {
        options.batch_transform(batch, rng);
      } catch (const std::exception& e) {
        std::throw_with_nested(Error(detail::str_cat("DataLoader: batch_transform failed on batch ",
                                                     b, " (epoch ", epoch, "): ", e.what())));
      }
    }
  }

  // Called in the handler of `e`: "dataset failed on sample i of batch b", with the sample's
  // own exception nested (what get() threw, when get_batch's default nested one), as the
  // message of an error in get() has always read.
  [[noreturn]] void rethrow_sample_error(const SampleError& e, Index b) {
    auto message = [&](const char* what) {
      return detail::str_cat("DataLoader: dataset failed on sample ", e.index(), " of batch ", b,
                             " (epoch ", epoch, "): ", what);
    };
    const auto* nested = dynamic_cast<const std::nested_exception*>(&e);
    if (nested != nullptr && nested->nested_ptr() != nullptr) {
      try {
        std::rethrow_exception(nested->nested_ptr());
      } catch (const std::exception& cause) {
        std::throw_with_nested(Error(message(cause.what())));
      } catch (...) {
        // Not a std::exception: nest the SampleError itself, below.
      }
    }
    std::throw_with_nested(Error(message(e.what())));
  }

  State fill(Index b, Slot& s) {
    const std::vector<Index>& idx = batches[std::size_t(b)];
    const Index n = static_cast<Index>(idx.size());
    prepare_slot(s, n);
    Batch& batch = s.batch;
    batch.indices.assign(idx.begin(), idx.end());
    batch.epoch = epoch;
    batch.index = b;
    if (options.collate_fn) {
      try {
        options.collate_fn(*dataset, idx, batch);
      } catch (const std::exception& e) {
        std::throw_with_nested(Error(detail::str_cat("DataLoader: collate_fn failed on batch ", b,
                                                     " (epoch ", epoch, "): ", e.what())));
      }
    } else {
      // One call per batch (cancellation is checked per batch): TensorDataset copies in bulk.
      if (cancelled) return State::Ready;
      try {
        dataset->get_batch(idx, batch.x, batch.y);
      } catch (const SampleError& e) {
        rethrow_sample_error(e, b);
      } catch (const std::exception& e) {
        std::throw_with_nested(Error(detail::str_cat("DataLoader: dataset failed on batch ", b,
                                                     " (epoch ", epoch, "): ", e.what())));
      }
    }
    transform(b, s);
    return State::Ready;
  }

  State fill_from_stream(Index b, Slot& s, bool& read_released) {
    const Index want = options.batch_size;
    prepare_slot(s, want);
    Batch& batch = s.batch;
    batch.indices.clear();
    batch.epoch = epoch;
    batch.index = b;
    Index n = 0;
    try {
      for (; n < want; ++n) {
        if (cancelled) break;
        if (!stream->next(row(s.x_full, n), row(s.y_full, n))) break;
        batch.indices.push_back(stream_position++);
      }
    } catch (const std::exception& e) {
      std::throw_with_nested(
          Error(detail::str_cat("DataLoader: stream failed on sample ", stream_position,
                                " of batch ", b, " (epoch ", epoch, "): ", e.what())));
    }
    const bool ended = n < want;
    {
      // The read is done: let the next batch's read start while this one is transformed.
      std::unique_lock lock(mutex);
      reading = false;
      read_released = true;
      if (ended) total = (n == 0 || options.drop_last) ? b : b + 1;
      schedule(lock);
    }
    if (n == 0 || (ended && options.drop_last)) return State::End;
    batch.x = n == s.x_full.rows() ? s.x_full : s.x_full.rows_view(0, n);
    batch.y = n == s.y_full.rows() ? s.y_full : s.y_full.rows_view(0, n);
    transform(b, s);
    return State::Ready;
  }

  // The consumer's side: hand back the held batch and wait for the next one.
  const Batch* next() {
    std::unique_lock lock(mutex);
    if (finished) return nullptr;
    if (current >= 0) {
      slot_of(current).state = State::Free;
      released = current + 1;
    }
    ++current;
    if (total >= 0 && current >= total) {
      finished = true;
      return nullptr;
    }
    schedule(lock);
    Slot& s = slot_of(current);
    auto ready = [&] {
      return s.batch_index == current &&
             (s.state == State::Ready || s.state == State::Failed || s.state == State::End);
    };
    if (options.timeout.count() > 0) {
      if (!changed.wait_for(lock, options.timeout, ready)) {
        finished = true;
        cancelled = true;
        throw Error(detail::str_cat("DataLoader timed out after ", options.timeout.count(),
                                    " ms waiting for batch ", current, " (epoch ", epoch, ")"));
      }
    } else {
      changed.wait(lock, ready);
    }
    if (s.state == State::Failed) {
      finished = true;
      cancelled = true;
      std::exception_ptr error = s.error;
      changed.wait(lock, [&] { return in_flight == 0; });
      std::rethrow_exception(error);
    }
    if (s.state == State::End) {
      finished = true;
      return nullptr;
    }
    return &s.batch;
  }

  // Cancels what is in flight and waits for it (unless a job is known to be stuck).
  // Returns false when it had to leave a job running (after a timeout).
  bool shutdown() {
    std::unique_lock lock(mutex);
    const bool timed_out = finished && cancelled && options.timeout.count() > 0 && in_flight > 0;
    finished = true;
    cancelled = true;
    if (timed_out) return false;
    changed.wait(lock, [&] { return in_flight == 0; });
    return true;
  }

  void wait_idle() {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return in_flight == 0; });
  }
};

namespace {
// Ends an epoch. When a job had to be left running (a dataset call that never returned within
// the timeout), the worker pool must outlive it and must not be destroyed from inside its own
// arena: a detached reaper thread waits for the epoch's jobs and then releases the pool.
void end_epoch(std::shared_ptr<DataLoader::Epoch>& epoch,
               std::shared_ptr<DataLoader::WorkerPool>&& pool) {
  if (!epoch) return;
  if (!epoch->shutdown() && pool) {
    std::thread([e = epoch, p = std::move(pool)]() mutable {
      e->wait_idle();
      p.reset();
    }).detach();
  }
}
}  // namespace

// ---------------------------------------------------------------------------------------------

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)), options_(std::move(options)) {
  LOCKSTEP_CHECK(dataset_ != nullptr, "DataLoader: null dataset");
  validate_common();
  const auto& o = options_;
  if (o.batch_sampler) {
    LOCKSTEP_CHECK(o.batch_size == 1 && !o.shuffle && !o.sampler && !o.drop_last,
                   "DataLoader: batch_sampler option is mutually exclusive with batch_size, "
                   "shuffle, sampler, and drop_last");
    batch_sampler_ = o.batch_sampler;
  } else {
    LOCKSTEP_CHECK(!(o.sampler && o.shuffle),
                   "DataLoader: sampler option is mutually exclusive with shuffle");
    std::shared_ptr<const Sampler> sampler = o.sampler;
    if (!sampler && o.shuffle) {
      sampler =
          std::make_shared<RandomSampler>(dataset_->size(), RandomSamplerOptions{.seed = seed_});
    } else if (!sampler) {
      sampler = std::make_shared<SequentialSampler>(dataset_->size());
    }
    batch_sampler_ = std::make_shared<BatchSampler>(sampler, o.batch_size, o.drop_last);
  }
}

DataLoader::DataLoader(std::shared_ptr<IterableDataset> dataset, DataLoaderOptions options)
    : stream_(std::move(dataset)), options_(std::move(options)) {
  LOCKSTEP_CHECK(stream_ != nullptr, "DataLoader: null dataset");
  validate_common();
  LOCKSTEP_CHECK(!options_.shuffle && !options_.sampler && !options_.batch_sampler,
                 "DataLoader with IterableDataset: expected unspecified shuffle, sampler and "
                 "batch_sampler options (a stream has no random access)");
  LOCKSTEP_CHECK(!options_.collate_fn,
                 "DataLoader with IterableDataset: collate_fn needs a map-style dataset");
}

void DataLoader::validate_common() {
  const auto& o = options_;
  LOCKSTEP_CHECK(o.batch_size > 0, "DataLoader: batch_size must be positive, got ", o.batch_size);
  LOCKSTEP_CHECK(o.num_workers >= 0,
                 "DataLoader: num_workers option should be non-negative; use num_workers=0 to "
                 "disable multiprocessing, got ",
                 o.num_workers);
  LOCKSTEP_CHECK(o.prefetch_factor >= 1, "DataLoader: prefetch_factor must be >= 1, got ",
                 o.prefetch_factor);
  LOCKSTEP_CHECK(o.timeout.count() >= 0, "DataLoader: timeout option should be non-negative, got ",
                 o.timeout.count(), " ms");
  LOCKSTEP_CHECK(!o.persistent_workers || o.num_workers > 0,
                 "DataLoader: persistent_workers option needs num_workers > 0");
  seed_ = o.seed ? *o.seed : default_generator().next_u64();
}

DataLoader::~DataLoader() {
  auto epoch = active_.lock();
  end_epoch(epoch, std::move(pool_));
}

Index DataLoader::size() const { return stream_ ? -1 : batch_sampler_->size(); }

void DataLoader::set_epoch(Index epoch) {
  LOCKSTEP_CHECK(epoch >= 0, "DataLoader::set_epoch: epoch must be >= 0, got ", epoch);
  epoch_ = epoch;
}

std::vector<std::vector<Index>> DataLoader::epoch_batches(Index epoch) const {
  LOCKSTEP_CHECK(!stream_, "DataLoader::epoch_batches: a stream's batches are not known ahead");
  return batch_sampler_->batches(epoch);
}

DataLoader::Iterator DataLoader::begin() {
  if (auto previous = active_.lock()) previous->shutdown();
  auto e = std::make_shared<Epoch>();
  e->dataset = dataset_;
  e->stream = stream_;
  e->options = options_;
  e->seed = seed_;
  e->epoch = epoch_;
  if (stream_) {
    e->fd = stream_->feature_dim();
    e->td = stream_->target_dim();
    stream_->reset(epoch_);
  } else {
    e->fd = dataset_->feature_dim();
    e->td = dataset_->target_dim();
    e->batches = batch_sampler_->batches(epoch_);
    e->total = static_cast<Index>(e->batches.size());
  }
  const int workers = options_.num_workers;
  std::shared_ptr<WorkerPool> epoch_pool;
  if (workers > 0) {
    if (options_.persistent_workers) {
      if (!pool_) pool_ = std::make_shared<WorkerPool>(workers, options_.worker_init_fn);
      e->pool = pool_.get();
    } else {
      epoch_pool = std::make_shared<WorkerPool>(workers, options_.worker_init_fn);
      e->pool = epoch_pool.get();
    }
    e->slots.resize(std::size_t(workers) * std::size_t(options_.prefetch_factor) + 1);
  } else {
    e->slots.resize(1);
  }
  ++epoch_;
  active_ = e;
  return Iterator(std::move(e), std::move(epoch_pool));
}

DataLoader::Iterator::Iterator(std::shared_ptr<Epoch> epoch, std::shared_ptr<WorkerPool> pool)
    : epoch_(std::move(epoch)), pool_(std::move(pool)) {
  try {
    batch_ = epoch_->next();
  } catch (...) {
    // This object never finishes construction, so its destructor will not run: end the epoch
    // here, handing the pool to a reaper if a job had to be left running.
    end_epoch(epoch_, std::move(pool_));
    throw;
  }
  if (batch_ == nullptr) epoch_->shutdown();
}

DataLoader::Iterator& DataLoader::Iterator::operator=(Iterator&& other) noexcept {
  if (this != &other) {
    end_epoch(epoch_, std::move(pool_));
    epoch_ = std::move(other.epoch_);
    pool_ = std::move(other.pool_);
    batch_ = other.batch_;
    other.batch_ = nullptr;
  }
  return *this;
}

DataLoader::Iterator::~Iterator() { end_epoch(epoch_, std::move(pool_)); }

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  try {
    batch_ = epoch_->next();
  } catch (...) {
    batch_ = nullptr;
    epoch_->shutdown();
    throw;
  }
  if (batch_ == nullptr) epoch_->shutdown();
  return *this;
}

bool DataLoader::Iterator::operator==(const Iterator& other) const {
  return batch_ == other.batch_;
}

}  // namespace lockstep
