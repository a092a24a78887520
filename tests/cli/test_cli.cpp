// End-to-end tests of the `lockstep` program: each runs the built binary (posix_spawn) in a
// fresh temporary directory and checks its output, exit status and files.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "lockstep/data/csv.hpp"
#include "lockstep/data/idx.hpp"
#include "lockstep/data/npy.hpp"
#include "lockstep/io/safetensors.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;

struct Outcome {
  int status = -1;  // exit status, or 128 + signal
  std::string out;  // stdout and stderr together
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("lockstep_cli_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }

  // Starts the binary with `args`, output to a pipe; returns the pid and the pipe's read end.
  pid_t spawn(const std::vector<std::string>& args, int& read_fd) {
    int fds[2];
    EXPECT_EQ(::pipe(fds), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addchdir_np(&actions, dir_.c_str());
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    std::vector<std::string> all{LOCKSTEP_CLI};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    EXPECT_EQ(posix_spawn(&pid, LOCKSTEP_CLI, &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    read_fd = fds[0];
    return pid;
  }

  static int wait_status(pid_t pid) {
    int st = 0;
    ::waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }

  static std::string drain(int fd) {
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, std::size_t(n));
    ::close(fd);
    return out;
  }

  Outcome run(const std::vector<std::string>& args) {
    int fd = -1;
    const pid_t pid = spawn(args, fd);
    Outcome r;
    r.out = drain(fd);
    r.status = wait_status(pid);
    return r;
  }

  // run() with a deadline: a program still running after `seconds` is killed (status 137), so
  // that a test of a hang or of unbounded growth fails instead of hanging.
  Outcome run_for(const std::vector<std::string>& args, int seconds = 5) {
    int fd = -1;
    const pid_t pid = spawn(args, fd);
    Outcome r;
    std::thread reader([&] { r.out = drain(fd); });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    int st = 0;
    while (::waitpid(pid, &st, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &st, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    reader.join();
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return r;
  }

  // run() that also reports the program's peak resident set (ru_maxrss, in KiB).
  Outcome run_measured(const std::vector<std::string>& args, long& max_rss_kib) {
    int fd = -1;
    const pid_t pid = spawn(args, fd);
    Outcome r;
    r.out = drain(fd);
    int st = 0;
    struct rusage usage {};
    ::wait4(pid, &st, 0, &usage);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    max_rss_kib = usage.ru_maxrss;
    return r;
  }

  fs::path dir_;
};

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

TEST_F(Cli, HelpListsCommandsAndEveryTrainFlagWithDefaults) {
  Outcome top = run({"--help"});
  EXPECT_EQ(top.status, 0);
  for (const char* cmd : {"train", "eval", "predict", "inspect"})
    EXPECT_TRUE(contains(top.out, cmd));
  Outcome train = run({"train", "--help"});
  EXPECT_EQ(train.status, 0);
  for (const char* flag : {"--data",
                           "--labels",
                           "--target",
                           "--task",
                           "--val-split",
                           "--val",
                           "--standardize",
                           "--no-standardize",
                           "--samples",
                           "--features",
                           "--classes",
                           "--model",
                           "--activation",
                           "--dropout",
                           "--init",
                           "--loss",
                           "--optimizer",
                           "--lr",
                           "--momentum",
                           "--nesterov",
                           "--weight-decay",
                           "--batch-size",
                           "--epochs",
                           "--accumulate",
                           "--schedule",
                           "--warmup-steps",
                           "--clip-grad-norm",
                           "--seed",
                           "--shuffle",
                           "--no-shuffle",
                           "--max-steps",
                           "--threads",
                           "--loader-workers",
                           "--prefetch",
                           "--save",
                           "--checkpoint-dir",
                           "--checkpoint-every",
                           "--resume",
                           "--metrics",
                           "--trace",
                           "--log-every",
                           "--quiet",
                           "--config"})
    EXPECT_TRUE(contains(train.out, flag)) << flag;
  EXPECT_TRUE(contains(train.out, "--epochs INT=10"));
  EXPECT_TRUE(contains(train.out, "--data TEXT=digits"));
  EXPECT_EQ(run({"eval", "--help"}).status, 0);
}

TEST_F(Cli, DefaultTrainingLearnsDigits) {
  Outcome r = run({"train", "--epochs", "3", "--threads", "2"});
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "Epoch 1 Loss ")) << r.out;
  EXPECT_TRUE(contains(r.out, "Epoch 3 Loss ")) << r.out;
  EXPECT_TRUE(contains(r.out, "val_accuracy")) << r.out;
  EXPECT_TRUE(contains(r.out, "samples/s")) << r.out;
  EXPECT_TRUE(contains(r.out, "replica imbalance")) << r.out;
  const auto pos = r.out.find("validation: loss");
  ASSERT_NE(pos, std::string::npos);
  const double acc = std::stod(r.out.substr(r.out.find("accuracy ", pos) + 9));
  EXPECT_GT(acc, 0.9);
}

TEST_F(Cli, SaveEvalPredictInspectOnIrisCsv) {
  const std::string csv = std::string(LOCKSTEP_DATA_DIR) + "/iris.csv";
  Outcome t = run({"train", "--data", csv, "--target", "species", "--model", "mlp:16", "--epochs",
                   "30", "--batch-size", "16", "--save", "iris.safetensors", "--threads", "2"});
  ASSERT_EQ(t.status, 0) << t.out;
  ASSERT_TRUE(fs::exists(dir_ / "iris.safetensors"));
  Outcome e = run({"eval", "--model", "iris.safetensors", "--data", "iris"});
  ASSERT_EQ(e.status, 0) << e.out;
  EXPECT_TRUE(contains(e.out, "loss: ")) << e.out;
  EXPECT_TRUE(contains(e.out, "accuracy: ")) << e.out;
  EXPECT_TRUE(contains(e.out, "virginica")) << e.out;
  const double acc = std::stod(e.out.substr(e.out.find("accuracy: ") + 10));
  EXPECT_GT(acc, 0.85);
  Outcome p = run({"predict", "--model", "iris.safetensors", "--data", csv, "--out", "pred.csv"});
  ASSERT_EQ(p.status, 0) << p.out;
  const std::string pred = slurp(dir_ / "pred.csv");
  EXPECT_EQ(pred.rfind("prediction,p_setosa,p_versicolor,p_virginica\n", 0), 0u) << pred;
  EXPECT_EQ(std::count(pred.begin(), pred.end(), '\n'), 151);
  Outcome i = run({"inspect", "iris.safetensors"});
  ASSERT_EQ(i.status, 0) << i.out;
  EXPECT_TRUE(contains(i.out, "mlp 4 -> 16 -> 3")) << i.out;
  EXPECT_TRUE(contains(i.out, "0.weight")) << i.out;
  EXPECT_TRUE(contains(i.out, "standardize_mean")) << i.out;
  EXPECT_TRUE(contains(i.out, "lockstep_version")) << i.out;
}

// data/iris.csv with the columns `names` (from its own, or "id": a text column r1, r2, ...).
void write_iris_columns(const fs::path& path, const std::vector<std::string>& names) {
  std::ifstream in(std::string(LOCKSTEP_DATA_DIR) + "/iris.csv");
  std::vector<std::vector<std::string>> rows;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    std::vector<std::string> fields;
    std::stringstream ss(line);
    for (std::string f; std::getline(ss, f, ',');) fields.push_back(f);
    rows.push_back(fields);
  }
  std::ofstream out(path);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (std::size_t k = 0; k < names.size(); ++k) {
      std::string v = r == 0 ? names[k] : std::string("r").append(std::to_string(r));
      for (std::size_t c = 0; c < rows[0].size(); ++c)
        if (rows[0][c] == names[k]) v = rows[r][c];
      out << (k ? "," : "") << v;
    }
    out << "\n";
  }
}

// predict reads the model's feature columns by name: the target column is not needed, another
// order or extra columns give the same predictions, a missing column is an error naming it.
TEST_F(Cli, PredictAndEvalMatchCsvColumnsByName) {
  write_iris_columns(dir_ / "iris.csv",
                     {"sepal_length", "sepal_width", "petal_length", "petal_width", "species"});
  ASSERT_EQ(slurp(dir_ / "iris.csv"), slurp(std::string(LOCKSTEP_DATA_DIR) + "/iris.csv"));
  write_iris_columns(dir_ / "features.csv",
                     {"sepal_length", "sepal_width", "petal_length", "petal_width"});
  write_iris_columns(dir_ / "shuffled.csv", {"petal_width", "species", "id", "sepal_length",
                                             "petal_length", "sepal_width"});
  write_iris_columns(dir_ / "missing.csv", {"sepal_length", "petal_length", "species"});
  Outcome t = run({"train", "--data", "iris.csv", "--model", "mlp:8", "--epochs", "5", "--save",
                   "m.st", "--threads", "1", "-q"});
  ASSERT_EQ(t.status, 0) << t.out;
  Outcome full = run({"predict", "--model", "m.st", "--data", "iris.csv", "--out", "full.csv"});
  ASSERT_EQ(full.status, 0) << full.out;
  const std::string expected = slurp(dir_ / "full.csv");
  ASSERT_EQ(std::count(expected.begin(), expected.end(), '\n'), 151) << expected;
  for (const char* data : {"features.csv", "shuffled.csv"}) {
    Outcome p = run({"predict", "--model", "m.st", "--data", data, "--out", "p.csv"});
    ASSERT_EQ(p.status, 0) << data << ": " << p.out;
    EXPECT_EQ(slurp(dir_ / "p.csv"), expected) << data;
    fs::remove(dir_ / "p.csv");
  }
  Outcome m = run({"predict", "--model", "m.st", "--data", "missing.csv", "--out", "p.csv"});
  EXPECT_EQ(m.status, 1) << m.out;
  EXPECT_TRUE(contains(m.out, "missing.csv: no column named 'sepal_width', 'petal_width'"))
      << m.out;
  EXPECT_FALSE(fs::exists(dir_ / "p.csv"));
  // eval scores, so it needs the target; it too reads the columns by name.
  Outcome e = run({"eval", "--model", "m.st", "--data", "iris.csv"});
  ASSERT_EQ(e.status, 0) << e.out;
  EXPECT_TRUE(contains(e.out, "accuracy: ")) << e.out;
  Outcome es = run({"eval", "--model", "m.st", "--data", "shuffled.csv"});
  ASSERT_EQ(es.status, 0) << es.out;
  EXPECT_EQ(es.out, e.out);
  Outcome en = run({"eval", "--model", "m.st", "--data", "features.csv"});
  EXPECT_EQ(en.status, 1) << en.out;
  EXPECT_TRUE(contains(en.out, "features.csv: no column named 'species' (the target)")) << en.out;
}

// .npy and IDX features alone are enough for predict; a model whose file names no features but
// the placeholders x0, x1, ... reads a CSV's columns by position, leaving out a column named as
// its training data's target.
TEST_F(Cli, PredictNeedsNoLabelsFile) {
  const lockstep::CsvData iris = lockstep::read_csv(std::string(LOCKSTEP_DATA_DIR) + "/iris.csv");
  lockstep::save_npy(dir_ / "x.npy", iris.features);
  lockstep::save_npy(dir_ / "y.npy", iris.targets);
  lockstep::save_npy(dir_ / "x3.npy", lockstep::Tensor::zeros({2, 3}));
  write_iris_columns(dir_ / "features.csv",
                     {"sepal_length", "sepal_width", "petal_length", "petal_width"});
  Outcome t = run({"train", "--data", "x.npy", "--labels", "y.npy", "--task", "classification",
                   "--epochs", "3", "--save", "n.st", "--threads", "1", "-q"});
  ASSERT_EQ(t.status, 0) << t.out;
  Outcome p = run({"predict", "--model", "n.st", "--data", "x.npy", "--out", "p.csv"});
  ASSERT_EQ(p.status, 0) << p.out;
  const std::string pred = slurp(dir_ / "p.csv");
  EXPECT_EQ(pred.rfind("prediction,p_0,p_1,p_2\n", 0), 0u) << pred;
  EXPECT_EQ(std::count(pred.begin(), pred.end(), '\n'), 151);
  Outcome c = run({"predict", "--model", "n.st", "--data", "features.csv", "--out", "c.csv"});
  ASSERT_EQ(c.status, 0) << c.out;
  EXPECT_EQ(slurp(dir_ / "c.csv"), pred);
  {  // The columns by position, with the training data's target column ("label") among them.
    std::ofstream with_label(dir_ / "with_label.csv");
    with_label << "a,b,label,c,d\n";
    for (lockstep::Index i = 0; i < iris.features.rows(); ++i)
      with_label << iris.features(i, 0) << ',' << iris.features(i, 1) << ',' << iris.targets(i, 0)
                 << ',' << iris.features(i, 2) << ',' << iris.features(i, 3) << '\n';
  }
  Outcome l = run({"predict", "--model", "n.st", "--data", "with_label.csv", "--out", "l.csv"});
  ASSERT_EQ(l.status, 0) << l.out;
  EXPECT_EQ(slurp(dir_ / "l.csv"), pred);
  Outcome w = run({"predict", "--model", "n.st", "--data", "x3.npy", "--out", "w.csv"});
  EXPECT_EQ(w.status, 1) << w.out;
  EXPECT_TRUE(contains(w.out, "x3.npy has 3 features; the model n.st takes 4")) << w.out;
  // IDX: 4 images of 1 x 2 bytes, labels 0 1 0 1.
  {
    std::ofstream images(dir_ / "x.idx", std::ios::binary);
    const unsigned char bytes[] = {0, 0, 8, 3, 0, 0, 0,   4, 0, 0,   0, 1,
                                   0, 0, 0, 2, 0, 9, 200, 3, 1, 250, 7, 180};
    images.write(reinterpret_cast<const char*>(bytes), sizeof bytes);
    std::ofstream labels(dir_ / "y.idx", std::ios::binary);
    const unsigned char lb[] = {0, 0, 8, 1, 0, 0, 0, 4, 0, 1, 0, 1};
    labels.write(reinterpret_cast<const char*>(lb), sizeof lb);
  }
  Outcome ti =
      run({"train", "--data", "x.idx", "--labels", "y.idx", "--epochs", "1", "--batch-size", "2",
           "--val-split", "0", "--save", "i.st", "--threads", "1", "-q"});
  ASSERT_EQ(ti.status, 0) << ti.out;
  Outcome pi = run({"predict", "--model", "i.st", "--data", "x.idx", "--out", "i.csv"});
  ASSERT_EQ(pi.status, 0) << pi.out;
  const std::string ipred = slurp(dir_ / "i.csv");
  EXPECT_EQ(std::count(ipred.begin(), ipred.end(), '\n'), 5) << ipred;
}

// IDX files read gzip-compressed, as downloaded; 8-bit pixels scaled to [0, 1] unless
// --no-scale-pixels (or "scale_pixels": false in --config), the first line says which, and the
// model file remembers it, so that eval reads the pixels as training did.
TEST_F(Cli, GzipIdxAndPixelScaling) {
  // 60 images of 2 x 2 bytes, label 1 when the first pixel is the brightest; gzip-compressed.
  std::string images{0, 0, 8, 3, 0, 0, 0, 60, 0, 0, 0, 2, 0, 0, 0, 2};
  std::string labels{0, 0, 8, 1, 0, 0, 0, 60};
  std::uint32_t x = 7;
  for (int i = 0; i < 60; ++i) {
    unsigned char px[4];
    for (unsigned char& p : px) {
      x = x * 1664525u + 1013904223u;
      p = static_cast<unsigned char>(x >> 24);
    }
    images.append(reinterpret_cast<const char*>(px), 4);
    labels += static_cast<char>(px[0] >= px[1] && px[0] >= px[2] && px[0] >= px[3]);
  }
  for (const auto& [name, bytes] : {std::pair{"x.gz", images}, std::pair{"y.gz", labels}}) {
    uLongf size = compressBound(static_cast<uLong>(bytes.size())) + 32;
    std::string gz(size, '\0');
    z_stream zs{};
    ASSERT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    zs.avail_in = static_cast<uInt>(bytes.size());
    zs.next_out = reinterpret_cast<Bytef*>(gz.data());
    zs.avail_out = static_cast<uInt>(gz.size());
    ASSERT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
    gz.resize(zs.total_out);
    deflateEnd(&zs);
    std::ofstream(dir_ / name, std::ios::binary) << gz;
  }
  std::ofstream(dir_ / "unscaled.json") << R"({"scale_pixels": false})";
  const std::vector<std::string> common{"--data",
                                        "x.gz",
                                        "--labels",
                                        "y.gz",
                                        "--val",
                                        "x.gz",
                                        "--val-labels",
                                        "y.gz",
                                        "--model",
                                        "linear",
                                        "--no-standardize",
                                        "--epochs",
                                        "3",
                                        "--threads",
                                        "1"};
  // The validation loss printed at the end of training, and eval's loss on the same data.
  const auto loss_after = [](const std::string& out, const std::string& key) {
    const auto at = out.find(key);
    return at == std::string::npos ? -1.0 : std::stod(out.substr(at + key.size()));
  };
  struct Case {
    std::vector<std::string> flags;
    const char* says;
  };
  for (const Case& c : {Case{{}, "x.gz (8-bit pixels scaled to [0, 1]): 60 samples, 4 features"},
                        Case{{"--no-scale-pixels"}, "x.gz (8-bit pixels, unscaled): 60 samples"},
                        Case{{"--config", "unscaled.json"}, "x.gz (8-bit pixels, unscaled)"}}) {
    std::vector<std::string> args{"train"};
    args.insert(args.end(), common.begin(), common.end());
    args.insert(args.end(), c.flags.begin(), c.flags.end());
    args.insert(args.end(), {"--save", "m.st"});
    Outcome t = run(args);
    ASSERT_EQ(t.status, 0) << t.out;
    EXPECT_TRUE(contains(t.out, c.says)) << t.out;
    Outcome e = run({"eval", "--model", "m.st", "--data", "x.gz", "--labels", "y.gz"});
    ASSERT_EQ(e.status, 0) << e.out;
    const double trained = loss_after(t.out, "validation: loss ");
    const double evaluated = loss_after(e.out, "\nloss: ");
    ASSERT_GT(trained, 0) << t.out;
    EXPECT_NEAR(evaluated, trained, 6e-5) << t.out << e.out;
  }
  EXPECT_TRUE(contains(run({"train", "--help"}).out, "--scale-pixels,--no-scale-pixels"));
}

TEST_F(Cli, RegressionHasNoAccuracy) {
  Outcome t = run({"train", "--data", "diabetes", "--model", "linear", "--optimizer", "sgd", "--lr",
                   "0.05", "--epochs", "5", "--save", "d.safetensors", "--threads", "1"});
  ASSERT_EQ(t.status, 0) << t.out;
  EXPECT_FALSE(contains(t.out, "val_accuracy"));
  Outcome e = run({"eval", "--model", "d.safetensors", "--data", "diabetes"});
  ASSERT_EQ(e.status, 0) << e.out;
  EXPECT_TRUE(contains(e.out, "loss: "));
  EXPECT_FALSE(contains(e.out, "accuracy"));
}

TEST_F(Cli, EvalRegeneratesTheSyntheticSetTheModelWasTrainedOn) {
  Outcome t = run({"train", "--data", "synthetic-regression", "--samples", "300", "--seed", "7",
                   "--epochs", "2", "--save", "s.safetensors", "-q"});
  ASSERT_EQ(t.status, 0) << t.out;
  Outcome e = run({"eval", "--model", "s.safetensors", "--data", "synthetic-regression"});
  ASSERT_EQ(e.status, 0) << e.out;
  EXPECT_TRUE(contains(e.out, "samples: 300")) << e.out;  // not the default 2000
  Outcome i = run({"inspect", "s.safetensors"});
  EXPECT_TRUE(contains(i.out, R"(synthetic_data: {"samples":300,"seed":7})")) << i.out;
}

TEST_F(Cli, BadInputGivesOneLineErrorsAndExitCodes) {
  struct Case {
    std::vector<std::string> args;
    int status;
    const char* message;
  };
  const std::vector<Case> cases{
      {{"train", "--lr", "-1"}, 2, "--lr"},
      {{"train", "--bogus"}, 2, "--bogus"},
      {{"train", "--model", "mlp:0"}, 2, "--model"},
      {{"train", "--optimizer", "rmsprop"}, 2, "--optimizer"},
      {{"train", "--epochs", "abc"}, 2, "--epochs"},
      {{"frobnicate"}, 2, "frobnicate"},
      {{"train", "--data", "missing.csv"}, 1, "missing.csv"},
      {{"train", "--data", "bad.csv"}, 1, "line 3"},
      {{"train", "--resume", "auto"}, 2, "--resume auto needs --checkpoint-dir"},
      {{"eval", "--model", "none.safetensors", "--data", "iris"}, 1, "none.safetensors"},
      {{"inspect", "bad.csv"}, 1, "bad.csv"},
  };
  std::ofstream(dir_ / "bad.csv") << "a,b,y\n1,2,3\n4,x,5\n";
  for (const Case& c : cases) {
    Outcome r = run(c.args);
    EXPECT_EQ(r.status, c.status) << c.args[c.args.size() - 1] << ": " << r.out;
    EXPECT_TRUE(contains(r.out, c.message)) << r.out;
    EXPECT_TRUE(contains(r.out, "error")) << r.out;
    EXPECT_LE(std::count(r.out.begin(), r.out.end(), '\n'), 2) << r.out;
  }
}

TEST_F(Cli, FailedRunOverwritesNothingAndNamesTheStep) {
  std::ofstream(dir_ / "keep.safetensors") << "precious";
  std::ofstream(dir_ / "keep.jsonl") << "precious";
  Outcome r = run({"train", "--data", "diabetes", "--no-standardize", "--optimizer", "sgd", "--lr",
                   "10", "--save", "keep.safetensors", "--metrics", "keep.jsonl", "-q"});
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "at step")) << r.out;
  EXPECT_EQ(slurp(dir_ / "keep.safetensors"), "precious");
  EXPECT_EQ(slurp(dir_ / "keep.jsonl"), "precious");
  for (const auto& e : fs::directory_iterator(dir_))
    EXPECT_FALSE(contains(e.path().filename().string(), ".tmp")) << e.path();
}

// Found by fuzz/fuzz_json_config: a value nested a million levels deep in --config parsed, then
// overflowed the stack while being turned back into flag text (SIGSEGV instead of a usage
// error).
TEST_F(Cli, DeeplyNestedConfigIsAUsageErrorNamingTheFile) {
  constexpr int kDepth = 1'000'000;
  std::ofstream(dir_ / "deep.json")
      << "{\"lr\": " << std::string(kDepth, '[') << std::string(kDepth, ']') << "}";
  Outcome r = run({"train", "--data", "iris", "--config", "deep.json"});
  EXPECT_EQ(r.status, 2) << r.out.substr(0, 2000);
  EXPECT_TRUE(contains(r.out, "deep.json")) << r.out.substr(0, 2000);
  EXPECT_TRUE(contains(r.out, "nested deeper than")) << r.out.substr(0, 2000);
  EXPECT_LT(r.out.size(), 400u) << r.out.substr(0, 2000);
}

TEST_F(Cli, MetricsTraceAndConfigFile) {
  std::ofstream(dir_ / "run.json") << R"({"model": "mlp:8", "epochs": 5, "batch_size": 32,
                                          "log-every": 5, "standardize": true})";
  Outcome r = run({"train", "--data", "iris", "--config", "run.json", "--epochs", "2", "--metrics",
                   "m.jsonl", "--trace", "t.json", "--threads", "2", "--loader-workers", "1"});
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "mlp 4 -> 8 -> 3")) << r.out;  // from the file
  EXPECT_TRUE(contains(r.out, "Epoch 2 Loss")) << r.out;     // the command line wins
  EXPECT_FALSE(contains(r.out, "Epoch 3 Loss")) << r.out;
  std::ifstream m(dir_ / "m.jsonl");
  int steps = 0, epochs = 0;
  for (std::string line; std::getline(m, line);) {
    ASSERT_EQ(line.front(), '{');
    ASSERT_EQ(line.back(), '}');
    if (contains(line, "\"type\": \"step\"")) {
      ++steps;
      for (const char* k : {"\"step\"", "\"epoch\"", "\"loss\"", "\"lr\"", "\"samples_per_s\"",
                            "\"data_wait_s\"", "\"forward_backward_s\"", "\"reduce_update_s\""})
        EXPECT_TRUE(contains(line, k)) << k << " in " << line;
    }
    if (contains(line, "\"type\": \"epoch\"")) {
      ++epochs;
      EXPECT_TRUE(contains(line, "\"val_loss\"")) << line;
      EXPECT_TRUE(contains(line, "\"val_accuracy\"")) << line;
    }
  }
  EXPECT_EQ(epochs, 2);
  EXPECT_EQ(steps, 1);  // 120 training samples / 32 = 4 steps per epoch: 8 steps, a line at 5
  const std::string trace = slurp(dir_ / "t.json");
  EXPECT_EQ(trace.rfind("{\"displayTimeUnit\": \"ms\", \"traceEvents\": [", 0), 0u);
  for (const char* part :
       {"\"forward/backward\"", "\"all-reduce+update\"", "\"data wait\"", "\"load batch\"",
        "\"replica 1\"", "\"loader worker 0\"", "\"ph\": \"X\"", "\"validation\""})
    EXPECT_TRUE(contains(trace, part)) << part;
  EXPECT_EQ(std::count(trace.begin(), trace.end(), '{'),
            std::count(trace.begin(), trace.end(), '}'));
}

TEST_F(Cli, ResumeIsBitExactWithOtherThreadCounts) {
  const std::vector<std::string> run_flags{"train",  "--data",
                                           "digits", "--dropout",
                                           "0.1",    "--optimizer",
                                           "sgd",    "--momentum",
                                           "0.9",    "--lr",
                                           "0.05",   "--schedule",
                                           "cosine", "--warmup-steps",
                                           "5",      "--clip-grad-norm",
                                           "2",      "--accumulate",
                                           "2",      "--epochs",
                                           "3",      "-q"};
  auto with = [&](std::vector<std::string> more) {
    std::vector<std::string> a = run_flags;
    a.insert(a.end(), more.begin(), more.end());
    return a;
  };
  Outcome full = run(with({"--threads", "1", "--save", "full.safetensors"}));
  ASSERT_EQ(full.status, 0) << full.out;
  Outcome part = run(with({"--threads", "2", "--checkpoint-dir", "ck", "--checkpoint-every", "4",
                           "--stop-after-steps", "13"}));
  EXPECT_EQ(part.status, 130) << part.out;
  EXPECT_TRUE(contains(part.out, "checkpoint written to ck")) << part.out;
  ASSERT_TRUE(fs::exists(dir_ / "ck" / "checkpoint.safetensors"));
  EXPECT_FALSE(fs::exists(dir_ / "resumed.safetensors"));
  Outcome rest =
      run({"train", "--resume", "ck", "--threads", "3", "--save", "resumed.safetensors", "-q"});
  ASSERT_EQ(rest.status, 0) << rest.out;
  const std::string a = slurp(dir_ / "full.safetensors"), b = slurp(dir_ / "resumed.safetensors");
  ASSERT_FALSE(a.empty());
  EXPECT_TRUE(a == b) << "resumed model differs from the uninterrupted one";
  Outcome changed = run({"train", "--resume", "ck", "--lr", "1"});
  EXPECT_EQ(changed.status, 2) << changed.out;
}

TEST_F(Cli, SignalsStopWithACheckpoint) {
  for (int sig : {SIGINT, SIGTERM}) {
    int fd = -1;
    const pid_t pid = spawn({"train", "--data", "synthetic-classification", "--samples", "20000",
                             "--epochs", "100000", "--threads", "2", "--checkpoint-dir", "ck"},
                            fd);
    std::string out;
    char buf[4096];
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!contains(out, "Epoch 1 Loss") && std::chrono::steady_clock::now() < deadline) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, std::size_t(n));
    }
    ::kill(pid, sig);
    out += drain(fd);
    EXPECT_EQ(wait_status(pid), 128 + sig) << out;
    EXPECT_TRUE(contains(out, "checkpoint written to ck")) << out;
    EXPECT_TRUE(fs::exists(dir_ / "ck" / "checkpoint.safetensors"));
    Outcome i = run({"inspect", "ck/checkpoint.safetensors"});
    EXPECT_EQ(i.status, 0) << i.out;
    EXPECT_TRUE(contains(i.out, "optimizer/state.0.exp_avg")) << i.out;
  }
}

TEST_F(Cli, PlotScriptWritesAPng) {
  if (std::system("/usr/bin/python3 -c 'import matplotlib' 2>/dev/null") != 0)
    GTEST_SKIP() << "python3-matplotlib is not installed";
  Outcome t = run({"train", "--data", "iris", "--epochs", "3", "--log-every", "1", "--metrics",
                   "m.jsonl", "-q"});
  ASSERT_EQ(t.status, 0) << t.out;
  const std::string cmd = "/usr/bin/python3 " + std::string(LOCKSTEP_SOURCE_DIR) +
                          "/scripts/plot_metrics.py " + (dir_ / "m.jsonl").string() + " -o " +
                          (dir_ / "m.png").string() + " > /dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const std::string png = slurp(dir_ / "m.png");
  ASSERT_GT(png.size(), 8u);
  EXPECT_EQ(png.substr(1, 3), "PNG");
}

// Robustness: inputs that are not regular files, and tiny files declaring huge sizes.

TEST_F(Cli, FifosAndDevicesAreRefusedNotReadForever) {
  ASSERT_EQ(::mkfifo((dir_ / "pipe.csv").c_str(), 0600), 0);
  ASSERT_EQ(::mkfifo((dir_ / "pipe.safetensors").c_str(), 0600), 0);
  ASSERT_EQ(::mkfifo((dir_ / "pipe.json").c_str(), 0600), 0);
  ASSERT_EQ(::mkfifo((dir_ / "pipe.npy").c_str(), 0600), 0);
  fs::create_symlink("/dev/zero", dir_ / "zero.csv");
  fs::create_directory(dir_ / "conf.d");
  struct Case {
    std::vector<std::string> args;
    int status;
    const char* message;
  };
  const std::vector<Case> cases{
      {{"train", "--data", "pipe.csv", "-q"}, 1, "pipe.csv"},
      {{"train", "--data", "zero.csv", "-q"}, 1, "zero.csv"},
      {{"inspect", "zero.csv"}, 1, "zero.csv"},
      {{"train", "--data", "pipe.npy", "--labels", "pipe.npy", "-q"}, 1, "pipe.npy"},
      {{"train", "--data", "iris", "--init", "pipe.safetensors", "-q"}, 1, "pipe.safetensors"},
      {{"eval", "--model", "pipe.safetensors", "--data", "iris"}, 1, "pipe.safetensors"},
      {{"inspect", "pipe.safetensors"}, 1, "pipe.safetensors"},
      {{"train", "--config", "pipe.json", "-q"}, 2, "pipe.json"},
      {{"train", "--config", "conf.d", "-q"}, 2, "conf.d"},
  };
  for (const Case& c : cases) {
    const Outcome r = run_for(c.args);
    EXPECT_EQ(r.status, c.status) << c.args[2] << ": " << r.out;
    EXPECT_TRUE(contains(r.out, c.message)) << r.out;
    EXPECT_TRUE(contains(r.out, "regular file")) << r.out;
  }
}

TEST_F(Cli, TinyFilesDeclaringHugeSizesAreRefusedQuickly) {
  // A 128-byte .npy of shape (0, 10^11), and labels of shape (0,).
  auto npy = [&](const std::string& name, const std::string& shape) {
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
    header.resize(128 - 10 - 1, ' ');
    header += '\n';
    std::ofstream out(dir_ / name, std::ios::binary);
    out << "\x93NUMPY" << char(1) << char(0) << char(header.size() & 255)
        << char(header.size() >> 8) << header;
  };
  npy("x.npy", "(0, 100000000000)");
  npy("y.npy", "(0,)");
  // A 20-byte IDX file: ubyte, 4 dimensions 0 x 1000 x 1000 x 100000 (10^11 columns).
  {
    std::ofstream out(dir_ / "x.idx", std::ios::binary);
    const unsigned char bytes[20] = {0,    0,    8, 4, 0,    0,    0, 0,    0,    0,
                                     0x03, 0xe8, 0, 0, 0x03, 0xe8, 0, 0x01, 0x86, 0xa0};
    out.write(reinterpret_cast<const char*>(bytes), sizeof bytes);
    std::ofstream labels(dir_ / "y.idx", std::ios::binary);
    const unsigned char lb[8] = {0, 0, 8, 1, 0, 0, 0, 0};
    labels.write(reinterpret_cast<const char*>(lb), sizeof lb);
  }
  struct Case {
    std::vector<std::string> args;
    int status;
    const char* message;
  };
  const std::vector<Case> cases{
      {{"train", "--data", "x.npy", "--labels", "y.npy", "-q"}, 1, "no samples"},
      {{"train", "--data", "x.idx", "--labels", "y.idx", "-q"}, 1, "no samples"},
      {{"train", "--data", "synthetic-classification", "--classes", "1000000000", "-q"},
       2,
       "--classes"},
      {{"train", "--data", "synthetic-regression", "--samples", "100000000", "--features",
        "1000000", "-q"},
       2,
       "--samples"},
      {{"train", "--data", "iris", "--batch-size", "1000000000000", "-q"}, 2, "--batch-size"},
      {{"train", "--data", "iris", "--epochs", "1000000000000000000", "-q"}, 2, "--epochs"},
      {{"train", "--data", std::string(LOCKSTEP_DATA_DIR) + "/iris.csv", "--target",
        "99999999999999999999", "-q"},
       1,
       "--target"},
  };
  for (const Case& c : cases) {
    const Outcome r = run_for(c.args);
    EXPECT_EQ(r.status, c.status) << c.args[2] << ": " << r.out;
    EXPECT_TRUE(contains(r.out, c.message)) << r.out;
    EXPECT_FALSE(contains(r.out, "bad_alloc")) << r.out;
  }
  // The most epochs a run may have, cut short by --max-steps: no overflow, no blame on
  // --accumulate.
  const Outcome ok = run_for({"train", "--data", "iris", "--epochs", "1000000000", "--batch-size",
                              "1", "--max-steps", "2", "-q"});
  EXPECT_EQ(ok.status, 0) << ok.out;
}

TEST_F(Cli, ModelFilesWhoseMetadataContradictsTheirTensorsAreRefused) {
  const Outcome t = run({"train", "--data", "iris", "--model", "mlp:4", "--epochs", "1", "--save",
                         "m.safetensors", "-q"});
  ASSERT_EQ(t.status, 0) << t.out;
  const lockstep::SafetensorsFile file = lockstep::read_safetensors(dir_ / "m.safetensors");
  ASSERT_TRUE(file.metadata.count("standardize_std")) << "iris is standardized by default";
  auto rewrite = [&](const std::string& name, const std::string& key, const std::string& value) {
    std::vector<lockstep::SafetensorsEntry> entries = file.entries;
    lockstep::SafetensorsMetadata meta = file.metadata;
    meta[key] = value;
    lockstep::write_safetensors(dir_ / name, entries, meta);
  };
  rewrite("huge.safetensors", "architecture",
          R"({"model":"mlp:1048576,1048576","activation":"relu","dropout":0.0,"inputs":4,)"
          R"("outputs":3})");
  rewrite("tiny_std.safetensors", "standardize_std", "[1e-45,1.0,1.0,1.0]");
  for (const auto& [name, message] : std::vector<std::pair<std::string, std::string>>{
           {"huge.safetensors", "architecture"}, {"tiny_std.safetensors", "standardize_std"}}) {
    const Outcome r = run_for({"eval", "--model", name, "--data", "iris"});
    EXPECT_EQ(r.status, 1) << name << ": " << r.out;
    EXPECT_TRUE(contains(r.out, name)) << r.out;
    EXPECT_TRUE(contains(r.out, message)) << r.out;
    EXPECT_FALSE(contains(r.out, "nan")) << r.out;
  }
}

TEST_F(Cli, ControlBytesFromFilesAreEscapedWhenPrinted) {
  std::ofstream(dir_ / "esc.csv") << "a\x1b[2J,b,y\n1,2,0\n3,4,1\n5,6,0\n";
  const Outcome r = run_for({"train", "--data", "esc.csv", "--target", "missing", "-q"});
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(contains(r.out, "a\\x1b[2J")) << r.out;
  EXPECT_FALSE(contains(r.out, "\x1b")) << r.out;
}

}  // namespace

// Outputs are checked before any training: an output that is an input, a directory, or in a
// directory that takes no new files fails at once, and nothing is written.
TEST_F(Cli, OutputsAreCheckedBeforeTrainingAndNeverOverwriteAnInput) {
  const std::string iris = slurp(std::string(LOCKSTEP_DATA_DIR) + "/iris.csv");
  std::ofstream(dir_ / "iris.csv") << iris;
  fs::create_directories(dir_ / "adir");
  struct Case {
    std::vector<std::string> args;
    const char* message;
  };
  const std::vector<Case> cases{
      {{"--save", "iris.csv"}, "--save iris.csv is also --data"},
      {{"--metrics", "./iris.csv"}, "--metrics ./iris.csv is also --data"},
      {{"--trace", "adir/../iris.csv"}, "is also --data"},
      {{"--save", "adir"}, "it is a directory"},
      {{"--save", "ck/checkpoint.safetensors"}, "is also --checkpoint-dir"},
      {{"--metrics", "m.jsonl", "--trace", "m.jsonl"}, "--trace m.jsonl is also --metrics"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args{"train", "--data",           "iris.csv", "--epochs",
                                  "1",     "--checkpoint-dir", "ck"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    Outcome r = run(args);
    EXPECT_EQ(r.status, 1) << r.out;
    EXPECT_TRUE(contains(r.out, c.message)) << r.out;
    EXPECT_FALSE(contains(r.out, "Epoch 1")) << "the run trained before failing: " << r.out;
    EXPECT_FALSE(fs::exists(dir_ / "ck" / "checkpoint.safetensors")) << r.out;
    EXPECT_EQ(slurp(dir_ / "iris.csv"), iris);
    fs::remove_all(dir_ / "ck");
  }
  // predict --out must not be the model it reads.
  ASSERT_EQ(run({"train", "--data", "iris", "--epochs", "1", "--save", "m.st", "-q"}).status, 0);
  const std::string model = slurp(dir_ / "m.st");
  Outcome p = run({"predict", "--model", "m.st", "--data", "iris", "--out", "m.st"});
  EXPECT_EQ(p.status, 1) << p.out;
  EXPECT_TRUE(contains(p.out, "--out m.st is also --model")) << p.out;
  EXPECT_EQ(slurp(dir_ / "m.st"), model);
}

// A read-only directory (a read-only tmpfs in a private mount namespace: no root needed, and
// root's permission bypass does not apply) is refused before training.
TEST_F(Cli, AnOutputDirectoryThatTakesNoFilesFailsBeforeTraining) {
  if (std::system("unshare -rm true >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "no user and mount namespaces here (unshare -rm)";
  fs::create_directories(dir_ / "ro");
  const std::string cmd =
      "cd '" + dir_.string() + "' && unshare -rm sh -c 'mount -t tmpfs -o ro none ro && exec " +
      LOCKSTEP_CLI + " train --data iris --epochs 1 --save ro/m.st' > out.txt 2>&1";
  const int rc = std::system(cmd.c_str());
  const std::string out = slurp(dir_ / "out.txt");
  EXPECT_NE(rc, 0) << out;
  EXPECT_TRUE(contains(out, "cannot write --save ro/m.st")) << out;
  EXPECT_TRUE(contains(out, "does not take new files")) << out;
  EXPECT_FALSE(contains(out, "Epoch 1")) << out;
}

// A full disk under the side outputs (a 12 KiB tmpfs in a private mount namespace) does not
// abort a healthy run: each failure is said once, and the model is saved.
TEST_F(Cli, AFullDiskUnderMetricsOrCheckpointsIsAWarningAndTheModelIsSaved) {
  if (std::system("unshare -rm true >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "no user and mount namespaces here (unshare -rm)";
  fs::create_directories(dir_ / "full");
  const std::string cmd =
      "cd '" + dir_.string() + "' && unshare -rm sh -c 'mount -t tmpfs -o size=12k none full && " +
      LOCKSTEP_CLI +
      " train --data digits --epochs 3 --log-every 1 --metrics full/m.jsonl --checkpoint-dir "
      "full/ck --trace full/t.json --save m.st' > out.txt 2>&1";
  const int rc = std::system(cmd.c_str());
  const std::string out = slurp(dir_ / "out.txt");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_TRUE(fs::exists(dir_ / "m.st")) << out;
  EXPECT_TRUE(contains(out, "model saved to m.st")) << out;
  for (const char* flag : {"warning: --metrics full/m.jsonl", "warning: --checkpoint-dir full/ck",
                           "warning: --trace full/t.json"}) {
    EXPECT_TRUE(contains(out, flag)) << flag << "\n" << out;
    const std::size_t first = out.find(flag);
    EXPECT_EQ(out.find(flag, first + 1), std::string::npos) << "said more than once: " << out;
  }
  EXPECT_TRUE(contains(out, "Epoch 3")) << out;
  // The model is whole: eval reads it.
  EXPECT_EQ(run({"eval", "--model", "m.st", "--data", "digits"}).status, 0);
}

// The job-script recipe: the same command line, with --resume DIR, starts the run when DIR
// holds no checkpoint and continues it when it does; the model, the metrics log and the
// checkpoint end as the uninterrupted run's. A differing result flag is refused, a finished run
// is left alone, and a resume from another directory finds the data and the outputs.
TEST_F(Cli, TheSameJobCommandStartsAndResumesTheRun) {
  std::ofstream(dir_ / "iris.csv") << slurp(std::string(LOCKSTEP_DATA_DIR) + "/iris.csv");
  const std::vector<std::string> job{"train",    "--data",
                                     "iris.csv", "--model",
                                     "mlp:8",    "--dropout",
                                     "0.1",      "--epochs",
                                     "6",        "--batch-size",
                                     "16",       "--log-every",
                                     "1",        "--checkpoint-every",
                                     "5",        "-q"};
  auto with = [&](std::vector<std::string> more) {
    std::vector<std::string> a = job;
    a.insert(a.end(), more.begin(), more.end());
    return a;
  };
  ASSERT_EQ(run(with({"--save", "full.st", "--metrics", "full.jsonl"})).status, 0);
  const auto resumable = with({"--resume", "ck", "--save", "m.st", "--metrics", "m.jsonl"});
  Outcome first = run(with(
      {"--resume", "ck", "--save", "m.st", "--metrics", "m.jsonl", "--stop-after-steps", "17"}));
  ASSERT_EQ(first.status, 130) << first.out;  // started (no checkpoint yet), then interrupted
  ASSERT_TRUE(fs::exists(dir_ / "ck" / "checkpoint.safetensors"));
  Outcome second = run(resumable);
  ASSERT_EQ(second.status, 0) << second.out;
  EXPECT_EQ(slurp(dir_ / "m.st"), slurp(dir_ / "full.st")) << "the resumed model differs";
  // The metrics log reads as the uninterrupted run's (timings aside): every step once, in order.
  auto steps_of = [](const std::string& log) {
    std::vector<std::string> out;
    std::istringstream in(log);
    for (std::string line; std::getline(in, line);)
      out.push_back(line.substr(0, line.find(", \"lr\"")));  // type, step, epoch, batch, loss
    return out;
  };
  EXPECT_EQ(steps_of(slurp(dir_ / "m.jsonl")), steps_of(slurp(dir_ / "full.jsonl")));

  // A result flag given again must match; a differing one names both values.
  Outcome changed = run(with({"--resume", "ck", "--lr", "0.5"}));
  EXPECT_EQ(changed.status, 2) << changed.out;
  EXPECT_TRUE(contains(changed.out, "--lr 0.5 (the checkpoint has 0.01)")) << changed.out;
  // A finished run resumed says so and changes nothing.
  const std::string model = slurp(dir_ / "m.st"), log = slurp(dir_ / "m.jsonl");
  Outcome done = run({"train", "--resume", "ck"});
  EXPECT_EQ(done.status, 0) << done.out;
  EXPECT_TRUE(contains(done.out, "is finished")) << done.out;
  EXPECT_EQ(slurp(dir_ / "m.st"), model);
  EXPECT_EQ(slurp(dir_ / "m.jsonl"), log);
}

TEST_F(Cli, AResumeFromAnotherDirectoryFindsTheDataAndKeepsTheOutputs) {
  std::ofstream(dir_ / "iris.csv") << slurp(std::string(LOCKSTEP_DATA_DIR) + "/iris.csv");
  Outcome part = run({"train", "--data", "iris.csv", "--epochs", "4", "--batch-size", "16",
                      "--checkpoint-dir", "ck", "--save", "m.st", "--stop-after-steps", "9", "-q"});
  ASSERT_EQ(part.status, 130) << part.out;
  fs::create_directories(dir_ / "elsewhere");
  const std::string cmd = "cd '" + (dir_ / "elsewhere").string() + "' && " + LOCKSTEP_CLI +
                          " train --resume ../ck > out.txt 2>&1";
  const int rc = std::system(cmd.c_str());
  const std::string out = slurp(dir_ / "elsewhere" / "out.txt");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_TRUE(fs::exists(dir_ / "m.st")) << "the saved --save was not kept: " << out;
  EXPECT_FALSE(fs::exists(dir_ / "elsewhere" / "m.st")) << out;
}

// A run killed with SIGKILL leaves temporaries (a checkpoint's, the metrics log's); the next
// run in the same place removes them, and a resumed run keeps the killed run's metrics.
TEST_F(Cli, KillNineLeftoversAreCleanedAndTheKilledRunsMetricsKept) {
  const std::vector<std::string> job{"train",   "--data",      "digits", "--epochs",
                                     "30",      "--log-every", "1",      "--checkpoint-every",
                                     "3",       "--resume",    "ck",     "--metrics",
                                     "m.jsonl", "--threads",   "1",      "-q"};
  int fd = -1;
  const pid_t pid = spawn(job, fd);
  // Wait until a checkpoint exists and the metrics temporary has lines, then kill -9.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  auto metrics_temp = [&]() -> fs::path {
    for (const auto& e : fs::directory_iterator(dir_))
      if (e.path().filename().string().rfind(".m.jsonl.tmp-", 0) == 0) return e.path();
    return {};
  };
  while (std::chrono::steady_clock::now() < deadline &&
         !(fs::exists(dir_ / "ck" / "checkpoint.safetensors") && !metrics_temp().empty() &&
           fs::file_size(metrics_temp()) > 2000))
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ::kill(pid, SIGKILL);
  EXPECT_EQ(wait_status(pid), 128 + SIGKILL);
  drain(fd);
  ASSERT_FALSE(metrics_temp().empty()) << "no metrics temporary to recover";
  EXPECT_FALSE(fs::exists(dir_ / "m.jsonl")) << "a killed run committed its log";
  // Resumed: the leftovers are gone and the log starts with the killed run's first step.
  Outcome rest = run(job);
  ASSERT_EQ(rest.status, 0) << rest.out;
  EXPECT_TRUE(metrics_temp().empty()) << metrics_temp();
  for (const auto& e : fs::recursive_directory_iterator(dir_))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
  const std::string log = slurp(dir_ / "m.jsonl");
  EXPECT_EQ(log.rfind("{\"type\": \"step\", \"step\": 1,", 0), 0u) << log.substr(0, 200);
}

// Small things users met: on-by-default flag pairs show no "{false}" in --help, and with no
// loader workers the trace has no loader-worker row (batches load on the main thread).
TEST_F(Cli, HelpShowsNoFlagValuesAndATraceWithoutWorkersHasNoWorkerRow) {
  Outcome help = run({"train", "--help"});
  EXPECT_TRUE(contains(help.out, "--standardize,--no-standardize")) << help.out;
  EXPECT_FALSE(contains(help.out, "{false}")) << help.out;
  ASSERT_EQ(run({"train", "--data", "iris", "--epochs", "1", "--trace", "t.json", "-q"}).status, 0);
  const std::string trace = slurp(dir_ / "t.json");
  EXPECT_TRUE(contains(trace, "\"load batch\"")) << trace.substr(0, 400);
  EXPECT_FALSE(contains(trace, "loader worker")) << trace.substr(0, 400);
}

// grad_norm is logged on every step line, with clipping or without, and (being the norm of the
// reduced gradient, summed in a fixed order) the same for every thread count.
TEST_F(Cli, GradNormIsLoggedWithoutClippingAndIsTheSameForEveryThreadCount) {
  auto norms = [&](const std::string& threads, const std::string& clip) {
    const std::string log = "m" + threads + clip + ".jsonl";
    EXPECT_EQ(run({"train", "--data", "digits", "--epochs", "1", "--log-every", "5", "--threads",
                   threads, "--clip-grad-norm", clip, "--metrics", log, "-q"})
                  .status,
              0);
    std::vector<std::string> out;
    std::istringstream in(slurp(dir_ / log));
    for (std::string line; std::getline(in, line);)
      if (contains(line, "\"type\": \"step\"")) out.push_back(line.substr(line.find("grad_norm")));
    return out;
  };
  const auto one = norms("1", "0");
  ASSERT_FALSE(one.empty());
  for (const std::string& n : one) EXPECT_FALSE(contains(n, "null")) << n;
  EXPECT_EQ(norms("2", "0"), one);
  // With clipping the step measures the norm before it clips: the first step's is the same.
  const auto clipped = norms("2", "1000");
  ASSERT_FALSE(clipped.empty());
  EXPECT_EQ(clipped.front(), one.front());
}

// Running out of memory is a one-line error naming the command, not "std::bad_alloc" (an
// address-space limit makes the allocation fail; sanitizers reserve too much to run under one).
TEST_F(Cli, OutOfMemoryIsAOneLineErrorNamingTheCommand) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "sanitizer runtimes do not run under an address-space limit";
#endif
  const std::string cmd = "cd '" + dir_.string() + "' && ulimit -v 600000 && " + LOCKSTEP_CLI +
                          " train --data synthetic-regression --samples 4000000 --features 64 "
                          "--epochs 1 > out.txt 2>&1";
  const int rc = std::system(cmd.c_str());
  const std::string out = slurp(dir_ / "out.txt");
  EXPECT_NE(rc, 0) << out;
  EXPECT_TRUE(contains(out, "out of memory while running 'train'")) << out;
  EXPECT_FALSE(contains(out, "bad_alloc")) << out;
  EXPECT_LE(std::count(out.begin(), out.end(), '\n'), 1) << out;
}

// --max-steps is the run's length: an interrupted run resumed ends at the same step as the
// uninterrupted one, with the same model, and another value on resume is refused.
TEST_F(Cli, MaxStepsIsTheRunsLengthWhichAResumeKeeps) {
  const std::vector<std::string> job{"train", "--data",      "digits", "--epochs",
                                     "5",     "--max-steps", "40",     "-q"};
  auto with = [&](std::vector<std::string> more) {
    std::vector<std::string> a = job;
    a.insert(a.end(), more.begin(), more.end());
    return a;
  };
  ASSERT_EQ(run(with({"--save", "full.st"})).status, 0);
  ASSERT_EQ(run(with({"--resume", "ck", "--save", "m.st", "--stop-after-steps", "13"})).status,
            130);
  Outcome rest = run({"train", "--resume", "ck"});
  ASSERT_EQ(rest.status, 0) << rest.out;
  EXPECT_EQ(slurp(dir_ / "m.st"), slurp(dir_ / "full.st"));
  Outcome done = run({"train", "--resume", "ck"});
  EXPECT_TRUE(contains(done.out, "finished (step 40 of 40)")) << done.out;
  Outcome longer = run({"train", "--resume", "ck", "--max-steps", "60"});
  EXPECT_EQ(longer.status, 2) << longer.out;
  EXPECT_TRUE(contains(longer.out, "--max-steps 60 (the checkpoint has 40)")) << longer.out;
}

// Writes an [rows, cols] '<f4' .npy file row by row (never the whole array in memory), with
// values that a model can fit; and its [rows] labels.
namespace {
void write_large_npy(const fs::path& x_path, const fs::path& y_path, long long rows, int cols) {
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(rows) +
                     ", " + std::to_string(cols) + "), }";
  dict.append((64 - (10 + dict.size() + 1) % 64) % 64, ' ');
  dict += '\n';
  const std::string magic("\x93NUMPY\x01\x00", 8);
  std::FILE* x = std::fopen(x_path.c_str(), "wb");
  ASSERT_NE(x, nullptr);
  const unsigned char len[2] = {static_cast<unsigned char>(dict.size() & 0xFF),
                                static_cast<unsigned char>(dict.size() >> 8)};
  std::fwrite(magic.data(), 1, magic.size(), x);
  std::fwrite(len, 1, 2, x);
  std::fwrite(dict.data(), 1, dict.size(), x);
  lockstep::Tensor y(lockstep::Shape{rows, 1});
  std::vector<float> row(static_cast<std::size_t>(cols));
  for (long long i = 0; i < rows; ++i) {
    float sum = 0;
    for (int j = 0; j < cols; ++j) {
      row[std::size_t(j)] = float((i * 7919 + j * 104729) % 1009) / 1009.0f - 0.5f;
      sum += row[std::size_t(j)] * float(j % 3);
    }
    y(i, 0) = sum;
    ASSERT_EQ(std::fwrite(row.data(), sizeof(float), row.size(), x), row.size());
  }
  ASSERT_EQ(std::fclose(x), 0);
  lockstep::save_npy(y_path, y);
}
}  // namespace

// A .npy training file is never loaded: statistics, a validation split and shuffled epochs
// read it in place. A 320 MiB file (above the 256 MiB limit for mapping: read with pread)
// costs the process far less than its size more than a 1 MiB one does.
TEST_F(Cli, ANpyFileLargerThanTheMapLimitTrainsInBoundedMemory) {
  const int cols = 256;
  write_large_npy(dir_ / "big.npy", dir_ / "big_y.npy", 327680, cols);    // 320 MiB
  write_large_npy(dir_ / "small.npy", dir_ / "small_y.npy", 1024, cols);  // 1 MiB
  const std::vector<std::string> common{"--model",      "mlp:16", "--epochs",    "1",
                                        "--batch-size", "4096",   "--val-split", "0.1",
                                        "--threads",    "2"};
  auto train = [&](const std::string& name, long& rss) {
    std::vector<std::string> args{"train", "--data", name + ".npy", "--labels", name + "_y.npy"};
    args.insert(args.end(), common.begin(), common.end());
    const Outcome r = run_measured(args, rss);
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_TRUE(contains(r.out, "validation: loss")) << r.out;
    return r;
  };
  long small_rss = 0, big_rss = 0;
  train("small", small_rss);
  const Outcome big = train("big", big_rss);
  EXPECT_TRUE(contains(big.out, "training on 294912 samples, validating on 32768")) << big.out;
  const long file_kib = 320L << 10;
  // Loading costs the file's size at least once (mapping it: about once); reading it costs
  // buffers (measured: 95 MiB more under AddressSanitizer, whose quarantine keeps freed memory).
  EXPECT_LT(big_rss - small_rss, file_kib * 3 / 4)
      << "peak RSS " << big_rss << " KiB for the 320 MiB file against " << small_rss
      << " KiB for a 1 MiB one";
}

// Writes `n` 1 x 8 x 8 IDX images (a bright bar, vertical for class 0, horizontal for class 1,
// at a place that moves with the index) and their labels.
namespace {
void write_bar_images(const fs::path& images, const fs::path& labels, int n) {
  std::string x = {0, 0, 8, 3, 0, 0, char(n >> 8), char(n & 0xFF), 0, 0, 0, 8, 0, 0, 0, 8};
  std::string y = {0, 0, 8, 1, 0, 0, char(n >> 8), char(n & 0xFF)};
  for (int i = 0; i < n; ++i) {
    const int cls = i % 2, at = 1 + (i / 2) % 6;
    for (int r = 0; r < 8; ++r)
      for (int c = 0; c < 8; ++c)
        x += char((cls == 0 ? c == at : r == at) ? 200 + (i * 7) % 50 : (i * 13 + r * 5 + c) % 40);
    y += char(cls);
  }
  std::ofstream(images, std::ios::binary) << x;
  std::ofstream(labels, std::ios::binary) << y;
}
}  // namespace

// A CNN written on the command line trains on IDX images (their shape from the file), is
// stored with its image shape, and eval, predict and inspect rebuild it; augmentation gives
// the same model for any number of loader workers; image flags without images are errors
// naming the flag.
TEST_F(Cli, ACnnOnImagesTrainsAndItsModelFileWorksEverywhere) {
  write_bar_images(dir_ / "x.idx", dir_ / "y.idx", 200);
  const std::vector<std::string> cnn{"train",
                                     "--data",
                                     "x.idx",
                                     "--labels",
                                     "y.idx",
                                     "--model",
                                     "conv4k3p1,bn,pool2,conv8k3,fc16",
                                     "--epochs",
                                     "4",
                                     "--batch-size",
                                     "20",
                                     "--lr",
                                     "0.01",
                                     "--threads",
                                     "2"};
  auto plus = [](std::vector<std::string> args, const std::vector<std::string>& extra) {
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  auto with = [&](const std::vector<std::string>& extra) { return plus(cnn, extra); };
  Outcome t = run(with({"--save", "cnn.st"}));
  ASSERT_EQ(t.status, 0) << t.out;
  EXPECT_TRUE(contains(t.out,
                       "cnn [1, 8, 8] -> conv4k3p1 [4, 8, 8] -> bn -> pool2 [4, 4, 4] -> "
                       "conv8k3 [8, 2, 2] -> fc16 -> 2 (relu)"))
      << t.out;
  const auto at = t.out.find("validation: loss ");
  ASSERT_NE(at, std::string::npos) << t.out;
  Outcome e = run({"eval", "--model", "cnn.st", "--data", "x.idx", "--labels", "y.idx"});
  ASSERT_EQ(e.status, 0) << e.out;
  EXPECT_TRUE(contains(e.out, "accuracy: ")) << e.out;
  Outcome p = run({"predict", "--model", "cnn.st", "--data", "x.idx", "--out", "p.csv"});
  ASSERT_EQ(p.status, 0) << p.out;
  const std::string pred = slurp(dir_ / "p.csv");
  EXPECT_EQ(std::count(pred.begin(), pred.end(), '\n'), 201);
  Outcome i = run({"inspect", "cnn.st"});
  ASSERT_EQ(i.status, 0) << i.out;
  EXPECT_TRUE(contains(i.out, "0.weight")) << i.out;
  EXPECT_TRUE(contains(i.out, "[4, 1, 3, 3]")) << i.out;
  EXPECT_TRUE(contains(i.out, "1.running_var")) << i.out;
  EXPECT_TRUE(contains(i.out, "\"image\":[1,8,8]")) << i.out;

  // Augmented: the same model file for 0 and 3 loader workers, and not the unaugmented one.
  Outcome a0 = run(with({"--augment", "flip,crop2", "--save", "a0.st"}));
  ASSERT_EQ(a0.status, 0) << a0.out;
  Outcome a3 = run(with({"--augment", "flip,crop2", "--loader-workers", "3", "--save", "a3.st"}));
  ASSERT_EQ(a3.status, 0) << a3.out;
  EXPECT_EQ(slurp(dir_ / "a0.st"), slurp(dir_ / "a3.st"));
  EXPECT_NE(slurp(dir_ / "a0.st"), slurp(dir_ / "cnn.st"));

  // The same images as .npy rows need --image.
  const lockstep::Tensor rows = lockstep::IdxArray(dir_ / "x.idx").to_tensor(true);
  lockstep::save_npy(dir_ / "x.npy", rows);
  lockstep::save_npy(dir_ / "y.npy", lockstep::IdxArray(dir_ / "y.idx").to_tensor(false));
  const std::vector<std::string> npy{"train",  "--data",         "x.npy",    "--labels", "y.npy",
                                     "--task", "classification", "--epochs", "1",        "-q"};
  auto npy_with = [&](const std::vector<std::string>& extra) { return plus(npy, extra); };
  Outcome no_image = run(npy_with({"--model", "conv4k3,fc8"}));
  EXPECT_EQ(no_image.status, 1) << no_image.out;
  EXPECT_TRUE(contains(no_image.out, "--image C,H,W")) << no_image.out;
  Outcome image = run(npy_with({"--model", "conv4k3,fc8", "--image", "1,8,8"}));
  EXPECT_EQ(image.status, 0) << image.out;
  Outcome wrong = run(npy_with({"--model", "conv4k3,fc8", "--image", "1,8,9"}));
  EXPECT_EQ(wrong.status, 1) << wrong.out;
  EXPECT_TRUE(contains(wrong.out, "--image [1, 8, 9] is 72 values per sample")) << wrong.out;
  Outcome augment = run(npy_with({"--augment", "flip"}));
  EXPECT_EQ(augment.status, 1) << augment.out;
  EXPECT_TRUE(contains(augment.out, "--augment flip needs images")) << augment.out;
  Outcome bad = run(npy_with({"--augment", "rotate"}));
  EXPECT_EQ(bad.status, 2) << bad.out;
  EXPECT_TRUE(contains(bad.out, "--augment")) << bad.out;
  Outcome bad_model = run(npy_with({"--model", "conv4k3,pool0"}));
  EXPECT_EQ(bad_model.status, 2) << bad_model.out;
  EXPECT_TRUE(contains(bad_model.out, "'pool0'")) << bad_model.out;
}
