// lockstep/nn/dropout.hpp — dropout (torch.nn.Dropout) with its own seeded Generator.
//
// In training mode each element is zeroed with probability p and the survivors are scaled by
// 1 / (1 - p) ("inverted" dropout), so the expected value is unchanged and evaluation needs no
// rescaling; in evaluation mode (eval()) the module is the identity. The masks come from the
// module's own Generator, seeded from the options, so a run is reproducible no matter what
// else draws random numbers. p must be in [0, 1).
//
// Under DataParallel (which installs a ShardContext on each replica thread, see
// lockstep/nn/shard_context.hpp) the masks do not come from the module's Generator: row r of a
// shard gets its own stream, Generator::derive(seed, {epoch, batch, draw, global row}), where draw
// counts the random draws made so far in that shard's forward pass (so two Dropout layers, or
// one called twice, differ). The masks are then a pure function of the seed, the batch (epoch and
// index) and the sample's row in the global batch: the same for every number of replicas and
// micro-shards, and nothing is shared between threads. (They differ from the masks of the same
// module run outside DataParallel, which draws from its Generator in order.)
//
//   lockstep::Dropout drop(0.2f, {.seed = 7});
//   lockstep::Var h = drop(x);    // about 20% of x zeroed, the rest times 1.25
//   drop.eval();
//   lockstep::Var same = drop(x); // x itself
#pragma once

#include <cstdint>

#include "lockstep/core/rng.hpp"
#include "lockstep/nn/module.hpp"

namespace lockstep {

struct DropoutOptions {
  std::uint64_t seed = Generator::kDefaultSeed;  // seeds the module's own Generator
};

class Dropout : public Module {
 public:
  explicit Dropout(float p = 0.5f, DropoutOptions options = {});
  Var forward(const Var& input) override;

  float p() const { return p_; }
  /// The generator the masks are drawn from outside DataParallel (e.g. to save its state).
  Generator& generator() { return gen_; }

 private:
  float p_;
  std::uint64_t seed_;
  Generator gen_;
};

}  // namespace lockstep
