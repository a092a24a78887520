// The `lockstep` program: train, eval, predict, inspect. Exit status: 0 success, 1 failure
// (bad data, I/O, a non-finite loss), 2 usage error, 128 + signal when interrupted.
#include <cstdio>
#include <exception>
#include <map>
#include <new>
#include <string>

#include "commands.hpp"
#include "lockstep/core/error.hpp"
#include "lockstep/core/printable.hpp"
#include "lockstep/train/model_file.hpp"

namespace {

// One line: nested messages joined, newlines folded.
std::string one_line(const std::exception& e) {
  std::string msg = e.what();
  try {
    std::rethrow_if_nested(e);
  } catch (const std::exception& inner) {
    const std::string more = one_line(inner);
    if (msg.find(more) == std::string::npos) msg += ": " + more;
  } catch (...) {
  }
  for (char& c : msg)
    if (c == '\n') c = ' ';
  // Names read from files (CSV headers, model metadata) reach messages: no raw control bytes.
  return lockstep::printable(msg);
}

// What a failure says: an allocation that failed is "out of memory while ...", naming the step
// it was in when a library error wraps it.
std::string failure_text(const std::exception& e, const std::string& command) {
  if (dynamic_cast<const std::bad_alloc*>(&e) != nullptr)
    return "out of memory while running '" + command +
           "' (the data, the model or --batch-size is too large for this machine)";
  std::string msg = one_line(e);
  const std::string what = std::bad_alloc().what();
  if (const auto at = msg.find(what); at != std::string::npos)
    msg.replace(at, what.size(), "out of memory");
  return msg;
}

// Help without "--standardize,--no-standardize{false}": what a negated flag sets is no default
// (the help text says which way is on).
class HelpFormatter : public CLI::Formatter {
 public:
  std::string make_option_name(const CLI::Option* opt, bool is_positional) const override {
    std::string name = CLI::Formatter::make_option_name(opt, is_positional);
    for (auto open = name.find('{'); open != std::string::npos; open = name.find('{')) {
      const auto close = name.find('}', open);
      if (close == std::string::npos) break;
      name.erase(open, close - open + 1);
    }
    return name;
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("lockstep " + std::string(lockstep::lockstep_version()) +
                   ": synchronous data-parallel neural-network training on CPUs",
               "lockstep");
  app.formatter(std::make_shared<HelpFormatter>());  // before the commands: they inherit it
  app.require_subcommand(1, 1);
  app.set_version_flag("--version", std::string(lockstep::lockstep_version()));
  app.footer("Run 'lockstep COMMAND --help' for the flags of a command, each with its default.");
  std::map<std::string, lockstep::cli::Command> commands;
  commands["train"] = lockstep::cli::add_train_command(app);
  commands["eval"] = lockstep::cli::add_eval_command(app);
  commands["predict"] = lockstep::cli::add_predict_command(app);
  commands["inspect"] = lockstep::cli::add_inspect_command(app);

  if (argc > 1 && argv[1][0] != '-' && !commands.count(argv[1])) {
    std::fprintf(stderr,
                 "lockstep: error: unknown command '%s' (commands: train, eval, predict, "
                 "inspect)\nRun 'lockstep --help' for more.\n",
                 argv[1]);
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string cmd;
    for (const CLI::App* sub : app.get_subcommands()) cmd = " " + sub->get_name();
    std::fprintf(stderr, "lockstep%s: error: %s\nRun 'lockstep%s --help' for the flags.\n",
                 cmd.c_str(), one_line(e).c_str(), cmd.c_str());
    return 2;
  }
  const std::string name = app.get_subcommands().at(0)->get_name();
  try {
    return commands.at(name)();
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "lockstep %s: error: %s\n", name.c_str(), one_line(e).c_str());
    return 2;
  } catch (const lockstep::cli::UsageError& e) {
    std::fprintf(stderr, "lockstep %s: error: %s\n", name.c_str(), one_line(e).c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "lockstep %s: error: %s\n", name.c_str(), failure_text(e, name).c_str());
    return 1;
  } catch (...) {
    std::fprintf(stderr, "lockstep %s: error: unknown failure\n", name.c_str());
    return 1;
  }
}
