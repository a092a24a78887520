#include "lockstep/nn/shard_context.hpp"

namespace lockstep {

namespace {
thread_local ShardContext* active = nullptr;
}

ShardContext* current_shard() { return active; }

ShardContextGuard::ShardContextGuard(ShardContext* context) : previous_(active) {
  active = context;
}

ShardContextGuard::~ShardContextGuard() { active = previous_; }

}  // namespace lockstep
