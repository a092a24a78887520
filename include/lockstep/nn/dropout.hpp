// lockstep/nn/dropout.hpp — dropout (torch.nn.Dropout) with its own seeded Generator.
//
// In training mode each element is zeroed with probability p and the survivors are scaled by
// 1 / (1 - p) ("inverted" dropout), so the expected value is unchanged and evaluation needs no
// rescaling; in evaluation mode (eval()) the module is the identity. The masks come from the
// module's own Generator, seeded from the options, so a run is reproducible no matter what
// else draws random numbers. p must be in [0, 1).
//
// Not for DataParallel in training mode: its replicas run the same module concurrently, would
// share (and race on) the one Generator, and the masks would depend on the thread order. Use
// RowDropout (lockstep/train/row_dropout.hpp), whose masks are a pure function of the seed, the
// step and the row, as the training binary does. (Moving that mechanism into this class is the
// proper fix, not done yet.)
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
  /// The generator the masks are drawn from (e.g. to reseed it per replica or save its state).
  Generator& generator() { return gen_; }

 private:
  float p_;
  Generator gen_;
};

}  // namespace lockstep
