// lockstep/train/row_dropout.hpp — dropout whose masks do not depend on threads or shards.
//
// nn::Dropout draws from one Generator, so replicas running the same model concurrently would
// share (and race on) it, and the masks would depend on which replica ran first. RowDropout
// instead derives each row's mask from Generator::derive(seed, {step, layer, hash of the
// row's values}): a pure function of the sample and the training step, the same for every
// number of replicas and micro-shards, and safe to call from many threads. The trainer sets
// the step before each batch through the shared counter. Two identical rows in one step get
// the same mask. In evaluation mode it is the identity.
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
