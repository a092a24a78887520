// lockstep/parallel/replica_group.hpp — R threads that run one phase of a step together.
//
// Replica 0 is the calling thread; replicas 1..R-1 are persistent threads that sleep between
// phases (after a short spin, so back-to-back phases cost microseconds). run() returns when
// every replica finished the phase. An exception on any replica reaches the caller, naming the
// replica and the phase (the original is nested). With a stall timeout, a replica that has not
// finished within it ends run() with an error naming the replica and the phase instead of
// hanging; the group is unusable afterwards (a stuck thread cannot be stopped), and says so.
//
//   lockstep::ReplicaGroup group(4, std::chrono::seconds(30));
//   group.run("forward/backward", [&](int replica) { work(replica); });
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>

namespace lockstep {

/// A non-owning reference to a callable taking the replica index (never allocates, unlike
/// std::function with a large capture).
class ReplicaFn {
 public:
  /// Refers to `f`, which must outlive the call that receives it (run() is synchronous).
  template <class F>
  ReplicaFn(F&& f)  // NOLINT(google-explicit-constructor, bugprone-forwarding-reference-overload)
      : object_(const_cast<void*>(static_cast<const void*>(&f))),
        call_([](void* o, int r) { (*static_cast<std::remove_reference_t<F>*>(o))(r); }) {}
  void operator()(int replica) const { call_(object_, replica); }

 private:
  void* object_;
  void (*call_)(void*, int);
};

class ReplicaGroup {
 public:
  explicit ReplicaGroup(int replicas,
                        std::chrono::milliseconds stall_timeout = std::chrono::milliseconds(0));
  ~ReplicaGroup();
  ReplicaGroup(const ReplicaGroup&) = delete;
  ReplicaGroup& operator=(const ReplicaGroup&) = delete;

  int size() const { return replicas_; }
  /// Why the group is unusable after a stall, or empty. Call it from the calling thread only.
  const std::string& broken() const;
  /// Runs fn(r) for every replica r concurrently and waits for all of them.
  void run(const char* phase, ReplicaFn fn);

  struct State;  // shared with the threads (internal)

 private:
  int replicas_;
  std::shared_ptr<State> state_;
};

}  // namespace lockstep
