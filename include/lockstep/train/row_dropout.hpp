// lockstep/train/row_dropout.hpp — dropout whose masks do not depend on threads or shards.
//
// Under DataParallel, nn::Dropout keys its masks on DataParallel's batch counter and the
// sample's row in the global batch. RowDropout, which the training binary uses, keys them
// instead on a step counter the trainer sets (the checkpointed step, so a resumed run draws the
// same masks) and on the row's values: each row's mask comes from
// Generator::derive(seed, {step, layer, hash of the row's values}), a pure function of the
// sample and the training step, the same for every number of replicas and micro-shards, and
// safe to call from many threads. Two identical rows in one step get the same mask. In
// evaluation mode it is the identity.
//
//   auto step = std::make_shared<std::atomic<std::int64_t>>(0);
//   lockstep::RowDropout drop(0.2f, /*seed=*/1, /*layer=*/0, step);
//   step->store(17);          // before the batch of optimizer step 17
//   lockstep::Var h = drop(x);
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "lockstep/nn/module.hpp"

namespace lockstep {

class RowDropout : public Module {
 public:
  RowDropout(float p, std::uint64_t seed, std::uint64_t layer,
             std::shared_ptr<std::atomic<std::int64_t>> step);
  Var forward(const Var& input) override;
  float p() const { return p_; }

 private:
  float p_;
  std::uint64_t seed_, layer_;
  std::shared_ptr<std::atomic<std::int64_t>> step_;
};

}  // namespace lockstep
