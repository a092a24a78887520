// fuzz_model_file: the input as a model file (.safetensors with lockstep's metadata), read as
// `lockstep eval` and `predict` read it: load_model_file, then standardize and one forward
// pass on a row of zeros.
#include <cstddef>
#include <cstdint>

#include "fuzz_common.hpp"
#include "lockstep/autograd/grad_mode.hpp"
#include "lockstep/autograd/variable.hpp"
#include "lockstep/train/model_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lockstep;
  const auto path = fuzz::write_temp("model.safetensors", data, size);
  fuzz::expect_ok_or_error([&] {
    LoadedModel m = load_model_file(path);
    const Tensor x(1, m.info.spec.inputs);  // zeros
    NoGradGuard no_grad;
    (void)(*m.model.net)(Var(m.info.standardize(x)));
  });
  return 0;
}
