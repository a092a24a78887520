// fuzz_checkpoint: the input as DIR/checkpoint.safetensors: read_checkpoint, the config it
// carries (config_from_json), then restore into a fixed small model with an Adam optimizer
// and a step schedule (the corpus's shape: mlp:4 on 4 inputs, 3 outputs).
#include <cstddef>
#include <cstdint>
#include <memory>

#include "fuzz_common.hpp"
#include "lockstep/optim/adam.hpp"
#include "lockstep/optim/schedule.hpp"
#include "lockstep/train/checkpoint.hpp"
#include "lockstep/train/config.hpp"
#include "lockstep/train/model_spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lockstep;
  static BuiltModel model =
      build_model({.model = "mlp:4", .activation = "relu", .inputs = 4, .outputs = 3}, 1);
  static Adam optimizer(model.net->parameters(), AdamOptions(0.01));
  static StepLR schedule(optimizer, 2, 0.5);
  fuzz::write_temp("checkpoint.safetensors", data, size);
  fuzz::expect_ok_or_error([&] {
    Checkpoint ck = read_checkpoint(fuzz::temp_dir());
    fuzz::expect_ok_or_error([&] { (void)config_from_json(ck.config_json); });
    ck.restore(*model.net, optimizer, &schedule);
  });
  return 0;
}
