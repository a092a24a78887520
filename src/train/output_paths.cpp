#include "lockstep/train/output_paths.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "lockstep/core/error.hpp"
#include "lockstep/train/checkpoint.hpp"

namespace lockstep {

namespace fs = std::filesystem;

namespace {

// The same file, whether or not it exists yet (an output usually does not).
bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec1, ec2;
  const fs::path ca = fs::weakly_canonical(fs::absolute(a), ec1);
  const fs::path cb = fs::weakly_canonical(fs::absolute(b), ec2);
  return !ec1 && !ec2 && ca == cb;
}

// A new file can be created in `dir`: try it (permissions, read-only mounts, a full inode table).
void probe_directory(const std::string& flag, const std::string& path, const fs::path& dir) {
  const fs::path probe = dir / (".lockstep-probe-" + std::to_string(::getpid()));
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  LOCKSTEP_CHECK(fd >= 0 || errno == EEXIST, "cannot write ", flag, " ", path, ": directory ",
                 dir.string(), " does not take new files (", std::strerror(errno), ")");
  if (fd >= 0) {
    ::close(fd);
    ::unlink(probe.c_str());
  }
}

}  // namespace

void check_output(const std::string& flag, const std::string& path,
                  const std::vector<FlagPath>& inputs, const std::vector<FlagPath>& outputs) {
  if (path.empty()) return;
  for (const auto& [input_flag, input] : inputs) {
    std::error_code ec;
    if (input.empty() || !fs::exists(input, ec)) continue;  // a built-in name, or no file
    LOCKSTEP_CHECK(!same_file(path, input), flag, " ", path, " is also ", input_flag,
                   ": refusing to overwrite an input");
  }
  for (const auto& [other_flag, other] : outputs)
    LOCKSTEP_CHECK(!same_file(path, other), flag, " ", path, " is also ", other_flag,
                   ": two outputs cannot share a file");
  std::error_code ec;
  LOCKSTEP_CHECK(!fs::is_directory(path, ec), "cannot write ", flag, " ", path,
                 ": it is a directory");
  const fs::path parent = fs::absolute(path).parent_path();
  LOCKSTEP_CHECK(fs::is_directory(parent, ec), "cannot write ", path, ": directory ",
                 parent.string(), " does not exist");
  probe_directory(flag, path, parent);
}

void check_outputs(const TrainConfig& c) {
  std::vector<FlagPath> inputs{{"--data", c.data},
                               {"--labels", c.labels},
                               {"--val", c.val},
                               {"--val-labels", c.val_labels},
                               {"--init", c.init}};
  if (!c.resume.empty()) inputs.emplace_back("--resume", checkpoint_file(c.resume).string());
  // Each output is checked against the inputs and against the outputs before it.
  std::vector<FlagPath> outputs;
  if (!c.checkpoint_dir.empty()) {
    std::error_code ec;
    fs::create_directories(c.checkpoint_dir, ec);
    LOCKSTEP_CHECK(!ec, "--checkpoint-dir: cannot create ", c.checkpoint_dir, ": ", ec.message());
    const std::string ck = checkpoint_file(c.checkpoint_dir).string();
    // Resuming into the same directory rewrites its checkpoint: that is the point.
    std::vector<FlagPath> others(inputs.begin(), inputs.end() - (c.resume.empty() ? 0 : 1));
    check_output("--checkpoint-dir", ck, others);
    outputs.emplace_back("--checkpoint-dir", ck);
  }
  for (const FlagPath& out :
       std::vector<FlagPath>{{"--save", c.save}, {"--metrics", c.metrics}, {"--trace", c.trace}}) {
    check_output(out.first, out.second, inputs, outputs);
    if (!out.second.empty()) outputs.push_back(out);
  }
}

}  // namespace lockstep
