// lockstep/core/pool.hpp — a thread-caching allocator for the memory a training step churns.
//
// Every step builds the same autograd graph again: the same tensor shapes, the same nodes. The
// pool keeps freed blocks in per-thread free lists by power-of-two size class and hands them
// back on the next request, so after the first step a steady-state step takes nothing from the
// heap (ggml's "allocate once, run many times", without a planning pass). A block freed on
// another thread joins that thread's lists. Each thread caches at most kMaxCachedBytes; the rest
// goes back to the heap, and a thread's cache is released when the thread ends.
//
//   void* p = lockstep::detail::pool_allocate(1000);   // 64-byte aligned, 1024 bytes reserved
//   lockstep::detail::pool_free(p, 1000);              // back to this thread's free list
//   auto impl = std::allocate_shared<Foo>(lockstep::PoolAllocator<Foo>{});
#pragma once

#include <cstddef>

namespace lockstep {

namespace detail {
/// 64-byte aligned memory of at least `bytes` bytes.
void* pool_allocate(std::size_t bytes);
/// Returns memory from pool_allocate; `bytes` must be the size it was asked for.
void pool_free(void* p, std::size_t bytes) noexcept;
inline constexpr std::size_t kMaxCachedBytes = std::size_t(1) << 30;
}  // namespace detail

/// A standard allocator over the pool (for std::allocate_shared and containers).
template <class T>
struct PoolAllocator {
  using value_type = T;
  PoolAllocator() = default;
  template <class U>
  PoolAllocator(const PoolAllocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)
  T* allocate(std::size_t n) { return static_cast<T*>(detail::pool_allocate(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { detail::pool_free(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const PoolAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace lockstep
