// One DataLoader epoch in progress: the slot ring, scheduling, filling and transforming
// batches (errors wrapped to name the batch and sample), and the consumer's next().
#include "data/loader/epoch.hpp"

#include <thread>
#include <utility>

#include "data/loader/worker_pool.hpp"
#include "lockstep/core/error.hpp"

namespace lockstep {

namespace {
// Row r of a [rows, cols] tensor.
std::span<float> row(Tensor& t, Index r) {
  return {t.data() + r * t.cols(), static_cast<std::size_t>(t.cols())};
}
}  // namespace

void DataLoader::Epoch::schedule(std::unique_lock<std::mutex>& lock) {
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

void DataLoader::Epoch::launch(Index b, std::unique_lock<std::mutex>& lock) {
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
void DataLoader::Epoch::run(Index b) {
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

void DataLoader::Epoch::prepare_slot(Slot& s, Index rows) {
  s.batch.x = Tensor();
  s.batch.y = Tensor();
  // Room for a full batch, but never more rows than a map-style data set has: a batch size
  // far beyond the data must not size the buffers.
  const Index capacity =
      std::max(rows, dataset ? std::min(options.batch_size, dataset->size()) : options.batch_size);
  // Reuse the slot's storage unless the caller kept a handle to an earlier batch in it.
  if (!s.x_full.defined() || s.x_full.storage_use_count() > 1 || s.x_full.rows() < rows) {
    s.x_full = Tensor(Shape{capacity, fd});
  }
  if (!s.y_full.defined() || s.y_full.storage_use_count() > 1 || s.y_full.rows() < rows) {
    s.y_full = Tensor(Shape{capacity, td});
  }
  s.batch.x = s.x_full.rows() == rows ? s.x_full : s.x_full.rows_view(0, rows);
  s.batch.y = s.y_full.rows() == rows ? s.y_full : s.y_full.rows_view(0, rows);
}

void DataLoader::Epoch::transform(Index b, Slot& s) {
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
    Generator rng =
        Generator::derive(seed, {std::uint64_t(epoch), std::uint64_t(b), DataLoader::kBatchStream});
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
void DataLoader::Epoch::rethrow_sample_error(const SampleError& e, Index b) {
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

DataLoader::Epoch::State DataLoader::Epoch::fill(Index b, Slot& s) {
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

DataLoader::Epoch::State DataLoader::Epoch::fill_from_stream(Index b, Slot& s,
                                                             bool& read_released) {
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
        Error(detail::str_cat("DataLoader: stream failed on sample ", stream_position, " of batch ",
                              b, " (epoch ", epoch, "): ", e.what())));
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

const Batch* DataLoader::Epoch::next() {
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
    // Taken out of the slot, not copied: the epoch may be destroyed on a worker thread (by the
    // job holding its last reference), and then must not drop a reference to the exception the
    // consumer is handling (the count lives in uninstrumented libstdc++: ThreadSanitizer would
    // see the destructor race the consumer's reads).
    std::exception_ptr error = std::exchange(s.error, nullptr);
    changed.wait(lock, [&] { return in_flight == 0; });
    std::rethrow_exception(error);
  }
  if (s.state == State::End) {
    finished = true;
    return nullptr;
  }
  return &s.batch;
}

bool DataLoader::Epoch::shutdown() {
  std::unique_lock lock(mutex);
  const bool timed_out = finished && cancelled && options.timeout.count() > 0 && in_flight > 0;
  finished = true;
  cancelled = true;
  if (timed_out) return false;
  changed.wait(lock, [&] { return in_flight == 0; });
  return true;
}

void DataLoader::Epoch::wait_idle() {
  std::unique_lock lock(mutex);
  changed.wait(lock, [&] { return in_flight == 0; });
}

namespace detail {

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

}  // namespace detail

}  // namespace lockstep
