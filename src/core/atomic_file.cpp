#include "lockstep/core/atomic_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <random>
#include <sstream>
#include <utility>

#include "core/binary_file.hpp"
#include "lockstep/core/error.hpp"

namespace lockstep {

namespace {
using detail::errno_text;

std::filesystem::path directory_of(const std::filesystem::path& p) {
  return p.parent_path().empty() ? std::filesystem::path(".") : p.parent_path();
}
}  // namespace

std::vector<std::filesystem::path> AtomicFile::stale_temporaries(
    const std::filesystem::path& target) {
  namespace fs = std::filesystem;
  std::string prefix = ".";  // appended piece by piece: GCC 12 misreports "." + s (-Wrestrict)
  prefix += target.filename().string();
  prefix += ".tmp-";
  std::vector<std::pair<fs::file_time_type, fs::path>> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(directory_of(target), ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    // ".model.safetensors.tmp-<pid>-<n>-<hex>": a leftover when <pid> no longer runs.
    char* end = nullptr;
    const long pid = std::strtol(name.c_str() + prefix.size(), &end, 10);
    if (end == name.c_str() + prefix.size() || *end != '-' || pid <= 0) continue;
    if (pid == ::getpid() || ::kill(pid_t(pid), 0) == 0 || errno != ESRCH) continue;
    found.emplace_back(entry.last_write_time(ec), entry.path());
  }
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<fs::path> out;
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}

AtomicFile::AtomicFile(std::filesystem::path target, std::string context)
    : target_(std::move(target)), context_(std::move(context)) {
  const std::filesystem::path dir = directory_of(target_);
  for (const auto& stale : stale_temporaries(target_)) ::unlink(stale.c_str());
  // pid, a process-wide counter and entropy: unique across processes, threads and restarts.
  static std::atomic<std::uint64_t> counter{0};
  std::random_device entropy;
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::ostringstream name;
    name << '.' << target_.filename().string() << ".tmp-" << ::getpid() << '-'
         << counter.fetch_add(1) << '-' << std::hex << entropy();
    temp_ = dir / name.str();
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ >= 0) return;
    if (errno != EEXIST) break;
  }
  const std::string reason = errno_text();
  temp_.clear();
  detail::throw_error(detail::str_cat(context_, "cannot create a temporary file in '", dir.string(),
                                      "' for '", target_.string(), "': ", reason));
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !temp_.empty()) ::unlink(temp_.c_str());
}

void AtomicFile::write(const void* data, std::size_t count) {
  LOCKSTEP_CHECK(fd_ >= 0, context_, "writing '", target_.string(), "' after commit()");
  const auto* p = static_cast<const unsigned char*>(data);
  while (count > 0) {
    const ssize_t n = ::write(fd_, p, count);
    if (n < 0 && errno == EINTR) continue;
    LOCKSTEP_CHECK(n > 0, context_, "writing failed for '", target_.string(),
                   "': ", n < 0 ? errno_text() : "no progress");
    p += n;
    count -= static_cast<std::size_t>(n);
  }
}

void AtomicFile::commit() {
  LOCKSTEP_CHECK(fd_ >= 0, context_, "'", target_.string(), "' committed twice");
  LOCKSTEP_CHECK(::fsync(fd_) == 0, context_, "fsync of '", target_.string(),
                 "' failed: ", errno_text());
  // close() reports errors too (with NFS, a failed write may show only here).
  LOCKSTEP_CHECK(::close(std::exchange(fd_, -1)) == 0, context_, "closing the temporary file for '",
                 target_.string(), "' failed: ", errno_text());
  LOCKSTEP_CHECK(::rename(temp_.c_str(), target_.c_str()) == 0, context_, "renaming '",
                 temp_.string(), "' over '", target_.string(), "' failed: ", errno_text());
  committed_ = true;
  // Make the rename itself durable; the new file is in place either way, so best effort.
  const int dir = ::open(directory_of(target_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    (void)::fsync(dir);
    ::close(dir);
  }
}

void write_file_atomically(const std::filesystem::path& path, std::string_view bytes,
                           const std::string& context) {
  AtomicFile f(path, context);
  f.write(bytes);
  f.commit();
}

}  // namespace lockstep
