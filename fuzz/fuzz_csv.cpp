// fuzz_csv: parse_csv on the input bytes as a string_view (an exactly sized buffer, so a read
// past its end is an ASan report) with a few option sets, and read_csv on the same bytes as a
// file.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_common.hpp"
#include "lockstep/data/csv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lockstep;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const CsvOptions option_sets[] = {
      {},
      {.target_kind = CsvTargetKind::kClasses, .allow_nonfinite = true},
      {.target_index = 0, .drop = {"a"}, .target_kind = CsvTargetKind::kNumeric, .delimiter = ';'},
      {.target = "species", .features = {"sepal_length", "petal_width"}},
  };
  for (const CsvOptions& options : option_sets)
    fuzz::expect_ok_or_error([&] {
      CsvData d = parse_csv(text, options, "fuzz.csv");
      (void)d.dataset();
    });
  const auto path = fuzz::write_temp("input.csv", data, size);
  fuzz::expect_ok_or_error([&] { (void)read_csv(path); });
  return 0;
}
