// fuzz_npy: the input as a .npy file, read every way: mapped and with pread (NpyArray with
// map_limit 0, as files above 256 MiB are read), NpyDataset (every row converted) and loaded
// (load_npy).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz_common.hpp"
#include "lockstep/data/npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lockstep;
  const auto path = fuzz::write_temp("input.npy", data, size);
  for (const std::uint64_t map_limit : {~std::uint64_t(0), std::uint64_t(0)}) {
    fuzz::expect_ok_or_error([&] {
      NpyArray array(path, {.map_limit = map_limit});
      // A file with no rows may declare any number of columns: the reader must not size
      // anything by them, and neither may this harness (a row buffer is bounded by the file
      // once rows > 0).
      if (array.rows() == 0) return;
      std::vector<float> row(static_cast<std::size_t>(array.cols()));
      for (Index r = 0; r < array.rows(); ++r) array.read_row(r, row);
      (void)array.to_tensor();
    });
  }
  fuzz::expect_ok_or_error([&] {
    NpyDataset ds(path, path);
    if (ds.size() == 0) return;
    std::vector<float> x(static_cast<std::size_t>(ds.feature_dim()));
    std::vector<float> y(static_cast<std::size_t>(ds.target_dim()));
    for (Index i = 0; i < ds.size(); ++i) ds.get(i, x, y);
  });
  fuzz::expect_ok_or_error([&] { (void)load_npy(path); });
  return 0;
}
