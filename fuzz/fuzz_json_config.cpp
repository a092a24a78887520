// fuzz_json_config: the input as `lockstep train --config FILE`: the JSON applied to the train
// command's flags (apply_json_config, after parsing an empty command line) as the program does,
// and the same text through config_from_json (the config a checkpoint stores). Expected
// failures: CLI::ParseError (a usage error, exit status 2) and lockstep::Error.
#include <cstddef>
#include <cstdint>
#include <string>

#include "commands.hpp"
#include "fuzz_common.hpp"
#include "json_config.hpp"
#include "lockstep/train/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lockstep;
  const auto path = fuzz::write_temp("config.json", data, size);
  fuzz::expect_ok_or_error([&] {
    CLI::App app;
    // The command owns the configuration its options write into: keep it alive.
    const cli::Command train = cli::add_train_command(app);
    const char* argv[] = {"lockstep", "train"};
    app.parse(2, argv);
    try {
      cli::apply_json_config(*app.get_subcommand("train"), path.string());
    } catch (const CLI::ParseError&) {
    }
  });
  fuzz::expect_ok_or_error(
      [&] { (void)config_from_json(std::string(reinterpret_cast<const char*>(data), size)); });
  return 0;
}
