// src/cli/json_config.hpp — CLI11 reads `--config PATH.json`: a JSON object whose keys are
// flag names without the dashes ("lr", "batch-size"; "batch_size" works too) and whose values
// are what the flag takes (numbers, strings, true/false for switches, arrays). Flags given on
// the command line win over the file: apply_json_config() runs after parsing and sets only
// the options the command line left alone; an unknown key is a usage error naming it.
//
//   app.parse(argc, argv);
//   lockstep::cli::apply_json_config(*train, "run.json");
#pragma once

#include <CLI/CLI.hpp>

namespace lockstep::cli {

/// Sets every option of `app` named in the JSON file at `path` that was not given on the
/// command line. Throws CLI::ParseError subclasses (exit status 2).
void apply_json_config(CLI::App& app, const std::string& path);

/// The file's keys and values as CLI11 config items ("batch_size" becomes "batch-size");
/// `source` names the file in errors (nesting deeper than 16 levels is one).
std::vector<CLI::ConfigItem> read_json_config(std::istream& input, const std::string& source);

}  // namespace lockstep::cli
