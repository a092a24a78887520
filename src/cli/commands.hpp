// src/cli/commands.hpp — the subcommands of the `lockstep` program: each adds its flags to the
// CLI11 app and returns the function that runs it after parsing (returning the exit status:
// 0 success, 1 failure, 2 usage error, 128 + signal when interrupted).
//
//   CLI::App app;
//   auto train = lockstep::cli::add_train_command(app);
//   app.parse(argc, argv);
//   return train();
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace lockstep::cli {

using Command = std::function<int()>;

/// Thrown for a bad flag value found after parsing; the program exits with status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Command add_train_command(CLI::App& app);
Command add_eval_command(CLI::App& app);
Command add_predict_command(CLI::App& app);
Command add_inspect_command(CLI::App& app);

}  // namespace lockstep::cli
