// fuzz_idx: the input as an IDX file: mapped (IdxArray, IdxDataset with the file as both images
// and labels) and loaded (load_idx, load_idx_dataset), with and without scaling. The input is
// read as it is (a seed that starts with the gzip magic bytes takes the .gz path, so mutations
// reach zlib and the decompressed-size checks), and once more gzip-compressed by the harness,
// so that every IDX mutation is also checked through decompression; both must agree.
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "lockstep/data/idx.hpp"

namespace {

// The input as one gzip member (level 1: fast).
std::string gzip(const std::uint8_t* data, std::size_t size) {
  z_stream s{};
  if (deflateInit2(&s, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) std::abort();
  std::string out(deflateBound(&s, static_cast<uLong>(size)), '\0');
  s.next_in = const_cast<Bytef*>(data);
  s.avail_in = static_cast<uInt>(size);
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  if (deflate(&s, Z_FINISH) != Z_STREAM_END) std::abort();
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

// Every way of reading `path`; the whole file as a tensor when it could be read.
std::optional<std::vector<float>> read_all_ways(const std::filesystem::path& path, bool scale) {
  using namespace lockstep;
  std::optional<std::vector<float>> values;
  fuzz::expect_ok_or_error([&] {
    IdxArray array(path);
    // A file with no rows may declare any number of columns: the reader must not size anything
    // by them, and neither may this harness (a row buffer is bounded by the file once rows > 0).
    if (array.rows() == 0) return;
    std::vector<float> row(static_cast<std::size_t>(array.cols()));
    for (Index r = 0; r < array.rows(); ++r) array.read_rows(r, 1, row, scale);
    values = array.to_tensor(scale).to_vector();
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
  return values;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lockstep;
  const bool scale = size > 0 && (data[size - 1] & 1);
  const auto plain = read_all_ways(fuzz::write_temp("input-idx1-ubyte", data, size), scale);
  const std::string gz = gzip(data, size);
  const auto packed =
      read_all_ways(fuzz::write_temp("input-idx1-ubyte.gz",
                                     reinterpret_cast<const std::uint8_t*>(gz.data()), gz.size()),
                    scale);
  // An input that is not itself gzip data reads the same compressed or not (a gzip input
  // compressed again is a gzip file holding gzip bytes: not IDX).
  const bool is_gzip = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
  if (!is_gzip && plain.has_value() != packed.has_value()) std::abort();
  // Bytes, not values: a float file may hold NaNs.
  if (!is_gzip && plain &&
      (plain->size() != packed->size() ||
       std::memcmp(plain->data(), packed->data(), plain->size() * sizeof(float)) != 0))
    std::abort();
  return 0;
}
