// AtomicFile: the target changes only at commit(); an abandoned or failed write leaves the old
// file and no temporary behind; errors name the file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "lockstep/core/atomic_file.hpp"
#include "support/error_of.hpp"

namespace lockstep {
namespace {

namespace fs = std::filesystem;

struct Dir {
  fs::path path =
      fs::temp_directory_path() /
      ("lockstep_atomic_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
       "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
  Dir() { fs::create_directories(path); }
  ~Dir() { fs::remove_all(path); }
  std::size_t entries() const {
    return std::size_t(std::distance(fs::directory_iterator(path), fs::directory_iterator()));
  }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(AtomicFile, TheTargetChangesOnlyAtCommit) {
  Dir d;
  const fs::path target = d.path / "out.txt";
  write_file_atomically(target, "old");
  {
    AtomicFile f(target, "test: ");
    f.write("new ");
    f.write("text");
    EXPECT_EQ(slurp(target), "old");
    EXPECT_EQ(d.entries(), 2u);  // the target and the temporary
    f.commit();
  }
  EXPECT_EQ(slurp(target), "new text");
  EXPECT_EQ(d.entries(), 1u);
}

TEST(AtomicFile, AbandonedWriteLeavesTheOldFileAndNoTemporary) {
  Dir d;
  const fs::path target = d.path / "out.txt";
  write_file_atomically(target, "old");
  {
    AtomicFile f(target, "test: ");
    f.write("half");
  }  // destroyed without commit()
  EXPECT_EQ(slurp(target), "old");
  EXPECT_EQ(d.entries(), 1u);
}

TEST(AtomicFile, ErrorsStartWithTheContextAndNameTheFile) {
  Dir d;
  const std::string msg = testing::error_of(
      [&] { write_file_atomically(d.path / "missing" / "x.csv", "a", "save: "); });
  EXPECT_EQ(msg.rfind("save: ", 0), 0u) << msg;
  EXPECT_NE(msg.find("x.csv"), std::string::npos) << msg;
  EXPECT_NE(msg.find("temporary file"), std::string::npos) << msg;
}

}  // namespace
}  // namespace lockstep
