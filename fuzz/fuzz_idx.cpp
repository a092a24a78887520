// fuzz_idx: the input as an IDX file: mapped (IdxArray, IdxDataset with the file as both images
// and labels) and loaded (load_idx, load_idx_dataset), with and without scaling.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz_common.hpp"
#include "lockstep/data/idx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lockstep;
  const auto path = fuzz::write_temp("input-idx1-ubyte", data, size);
  const bool scale = size > 0 && (data[size - 1] & 1);
  fuzz::expect_ok_or_error([&] {
    IdxArray array(path);
    // A file with no rows may declare any number of columns: the reader must not size anything
    // by them, and neither may this harness (a row buffer is bounded by the file once rows > 0).
    if (array.rows() == 0) return;
    std::vector<float> row(static_cast<std::size_t>(array.cols()));
    for (Index r = 0; r < array.rows(); ++r) array.read_rows(r, 1, row, scale);
    (void)array.to_tensor(scale);
  });
  fuzz::expect_ok_or_error([&] {
    IdxDataset ds(path, path, {.scale = scale});
    if (ds.size() == 0) return;
    std::vector<float> x(static_cast<std::size_t>(ds.feature_dim()));
    std::vector<float> y(static_cast<std::size_t>(ds.target_dim()));
    for (Index i = 0; i < ds.size(); ++i) ds.get(i, x, y);
  });
  fuzz::expect_ok_or_error([&] { (void)load_idx(path, scale); });
  fuzz::expect_ok_or_error([&] { (void)load_idx_dataset(path, path); });
  return 0;
}
