#include "lockstep/core/pool.hpp"

#include <bit>
#include <new>

namespace lockstep::detail {

namespace {

constexpr std::size_t kAlign = 64;
constexpr int kMinClass = 6;   // 64 bytes
constexpr int kMaxClass = 30;  // 1 GiB; larger requests bypass the pool
constexpr int kClasses = kMaxClass + 1;

struct FreeBlock {
  FreeBlock* next;
};

int size_class(std::size_t bytes) {
  if (bytes <= (std::size_t(1) << kMinClass)) return kMinClass;
  return std::bit_width(bytes - 1);
}

void* heap_allocate(std::size_t bytes) { return ::operator new (bytes, std::align_val_t{kAlign}); }
void heap_free(void* p) noexcept { ::operator delete (p, std::align_val_t{kAlign}); }

struct ThreadCache {
  FreeBlock* heads[kClasses] = {};
  std::size_t cached = 0;
  ~ThreadCache() {
    for (auto& head : heads) {
      while (head != nullptr) {
        FreeBlock* next = head->next;
        heap_free(head);
        head = next;
      }
    }
  }
};

ThreadCache& cache() {
  thread_local ThreadCache c;
  return c;
}

}  // namespace

void* pool_allocate(std::size_t bytes) {
  const int c = size_class(bytes);
  if (c > kMaxClass) return heap_allocate(bytes);
  ThreadCache& tc = cache();
  if (FreeBlock* b = tc.heads[c]) {
    tc.heads[c] = b->next;
    tc.cached -= std::size_t(1) << c;
    return b;
  }
  return heap_allocate(std::size_t(1) << c);
}

void pool_free(void* p, std::size_t bytes) noexcept {
  if (p == nullptr) return;
  const int c = size_class(bytes);
  if (c > kMaxClass) {
    heap_free(p);
    return;
  }
  ThreadCache& tc = cache();
  const std::size_t size = std::size_t(1) << c;
  if (tc.cached + size > kMaxCachedBytes) {
    heap_free(p);
    return;
  }
  auto* b = static_cast<FreeBlock*>(p);
  b->next = tc.heads[c];
  tc.heads[c] = b;
  tc.cached += size;
}

}  // namespace lockstep::detail
