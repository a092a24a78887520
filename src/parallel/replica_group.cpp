#include "lockstep/parallel/replica_group.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "lockstep/core/error.hpp"

namespace lockstep {

namespace {
void noop_fn(int) {}
auto noop = [](int r) { noop_fn(r); };
}  // namespace

struct ReplicaGroup::State {
  std::mutex mutex;
  std::condition_variable start, done;
  std::atomic<std::uint64_t> generation{0};
  std::atomic<int> remaining{0};
  ReplicaFn fn{noop};  // copied: a late replica after a stall must not read run()'s frame
  const char* phase = "";
  std::vector<std::exception_ptr> errors;
  std::vector<char> finished;
  bool stop = false;
  std::string broken;  // why the group is unusable, or empty
  std::chrono::milliseconds stall_timeout{0};
  std::vector<std::thread> threads;

  void work(int r) {
    try {
      fn(r);
    } catch (...) {
      errors[std::size_t(r)] = std::current_exception();
    }
    std::lock_guard lock(mutex);
    finished[std::size_t(r)] = 1;
    if (remaining.fetch_sub(1) == 1) done.notify_all();
  }

  static void loop(std::shared_ptr<State> self, int r) {
    std::uint64_t seen = 0;
    for (;;) {
      // Spin briefly: the next phase usually follows within microseconds.
      for (int i = 0; i < 4000 && self->generation.load(std::memory_order_acquire) == seen; ++i) {
#if defined(__x86_64__)
        __builtin_ia32_pause();
#endif
      }
      {
        std::unique_lock lock(self->mutex);
        self->start.wait(lock, [&] { return self->stop || self->generation.load() != seen; });
        if (self->stop) return;
        seen = self->generation.load();
      }
      self->work(r);
    }
  }
};

ReplicaGroup::ReplicaGroup(int replicas, std::chrono::milliseconds stall_timeout)
    : replicas_(replicas), state_(std::make_shared<State>()) {
  LOCKSTEP_CHECK(replicas >= 1, "ReplicaGroup: the number of replicas must be >= 1, got ",
                 replicas);
  LOCKSTEP_CHECK(stall_timeout.count() >= 0, "ReplicaGroup: stall timeout must be >= 0, got ",
                 stall_timeout.count(), " ms");
  state_->stall_timeout = stall_timeout;
  state_->errors.resize(std::size_t(replicas));
  state_->finished.resize(std::size_t(replicas));
  for (int r = 1; r < replicas; ++r) state_->threads.emplace_back(State::loop, state_, r);
}

ReplicaGroup::~ReplicaGroup() {
  bool stuck = false;
  {
    std::unique_lock lock(state_->mutex);
    state_->stop = true;
    // After a stall, give the late replicas a moment to come back, so they can be joined.
    if (!state_->broken.empty()) {
      stuck = !state_->done.wait_for(
          lock, std::max(state_->stall_timeout, std::chrono::milliseconds(100)),
          [&] { return state_->remaining.load() == 0; });
    }
  }
  state_->start.notify_all();
  for (auto& t : state_->threads) {
    // A replica that still has not returned may never do so: leave it (it keeps the shared
    // state alive).
    if (stuck) {
      t.detach();
    } else {
      t.join();
    }
  }
}

const std::string& ReplicaGroup::broken() const { return state_->broken; }

void ReplicaGroup::run(const char* phase, ReplicaFn fn) {
  State& s = *state_;
  LOCKSTEP_CHECK(s.broken.empty(), "ReplicaGroup is unusable: ", s.broken);
  {
    std::lock_guard lock(s.mutex);
    s.fn = fn;
    s.phase = phase;
    for (auto& e : s.errors) e = nullptr;
    for (auto& f : s.finished) f = 0;
    s.remaining.store(replicas_);
    s.generation.fetch_add(1, std::memory_order_release);
  }
  s.start.notify_all();
  s.work(0);
  for (int i = 0; i < 4000 && s.remaining.load(std::memory_order_acquire) != 0; ++i) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
  }
  {
    std::unique_lock lock(s.mutex);
    auto all_done = [&] { return s.remaining.load() == 0; };
    if (s.stall_timeout.count() > 0) {
      if (!s.done.wait_for(lock, s.stall_timeout, all_done)) {
        std::string who;
        for (int r = 0; r < replicas_; ++r)
          if (!s.finished[std::size_t(r)]) who += (who.empty() ? "" : ", ") + std::to_string(r);
        s.broken = detail::str_cat("replica ", who, " did not finish ", phase, " within ",
                                   s.stall_timeout.count(), " ms");
        throw Error(s.broken);
      }
    } else {
      s.done.wait(lock, all_done);
    }
  }
  for (int r = 0; r < replicas_; ++r) {
    if (auto e = s.errors[std::size_t(r)]) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        std::throw_with_nested(
            Error(detail::str_cat("replica ", r, " failed in ", phase, ": ", ex.what())));
      } catch (...) {
        std::throw_with_nested(
            Error(detail::str_cat("replica ", r, " failed in ", phase, ": unknown exception")));
      }
    }
  }
}

}  // namespace lockstep
