// fuzz_safetensors: the input as a .safetensors file: read_safetensors, then load_state_dict
// of its entries into a small fixed model (mlp:4 on 4 inputs, 3 outputs: the corpus's shape).
#include <cstddef>
#include <cstdint>

#include "fuzz_common.hpp"
#include "lockstep/io/safetensors.hpp"
#include "lockstep/io/state_dict.hpp"
#include "lockstep/train/model_spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lockstep;
  static BuiltModel model =
      build_model({.model = "mlp:4", .activation = "relu", .inputs = 4, .outputs = 3}, 1);
  const auto path = fuzz::write_temp("input.safetensors", data, size);
  fuzz::expect_ok_or_error([&] {
    SafetensorsFile file = read_safetensors(path);
    for (const SafetensorsEntry& e : file.entries) (void)file.find(e.name);
    load_state_dict(*model.net, file.entries, path.string());
  });
  return 0;
}
