// Internal: ThreadSanitizer happens-before annotations for hand-offs through code TSan cannot
// see. Debian's oneTBB is not built with TSan, so the queue that carries a task from the thread
// that enqueues it to the worker that runs it is invisible; annotate_release() before enqueueing
// and annotate_acquire() first thing in the task restore that edge. No-ops in other builds.
#pragma once

#if defined(__SANITIZE_THREAD__)
#define LOCKSTEP_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LOCKSTEP_TSAN 1
#endif
#endif

#ifdef LOCKSTEP_TSAN
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#endif

namespace lockstep::detail {

inline void annotate_release([[maybe_unused]] void* addr) {
#ifdef LOCKSTEP_TSAN
  __tsan_release(addr);
#endif
}

inline void annotate_acquire([[maybe_unused]] void* addr) {
#ifdef LOCKSTEP_TSAN
  __tsan_acquire(addr);
#endif
}

}  // namespace lockstep::detail
