// Runs the chapter's two example programs and checks their transcript: the chapter's format,
// and final parameters within 0.05 of PyTorch's own run of the same programs
// (../shared/bench/seed_transcript.txt: 2.6709 4.8826 manual, 2.6496 4.8771 nn).
#include <gtest/gtest.h>

#include <cstdio>
#include <regex>
#include <string>
#include <vector>

#include "lockstep/train/model_file.hpp"

namespace {

std::string run(const std::string& command) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return output;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  const int status = pclose(pipe);
  EXPECT_EQ(status, 0) << command;
  return output;
}

void check_transcript(const std::string& out, double want_w, double want_b) {
  // Twenty "Epoch N Loss X.XXXX" lines, for epochs 0, 10, ..., 190.
  std::regex epoch_line(R"(Epoch (\d+) Loss (\d+\.\d{4})\n)");
  int lines = 0;
  for (auto it = std::sregex_iterator(out.begin(), out.end(), epoch_line);
       it != std::sregex_iterator(); ++it) {
    EXPECT_EQ(std::stoi((*it)[1]), 10 * lines);
    ++lines;
  }
  EXPECT_EQ(lines, 20) << out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(Final Parameters: (\S+) (\S+)\n$)"))) << out;
  EXPECT_NEAR(std::stod(m[1]), want_w, 0.05) << out;
  EXPECT_NEAR(std::stod(m[2]), want_b, 0.05) << out;
}

TEST(ChapterPrograms, ManualFormReachesPyTorchsParameters) {
  check_transcript(run(LINEAR_REGRESSION_MANUAL), 2.6709, 4.8826);
}

TEST(ChapterPrograms, NnFormReachesPyTorchsParameters) {
  check_transcript(run(LINEAR_REGRESSION_NN), 2.6496, 4.8771);
}

TEST(ChapterPrograms, IrisClassifierReachesTheChaptersAccuracyAndReloadsItsModel) {
  const std::string model = ::testing::TempDir() + "/iris_test_model.safetensors";
  const std::string out = run(std::string(IRIS_CLASSIFIER) + " " + DATA_DIR "/iris.csv " + model);
  std::regex epoch_line(R"(Epoch (\d+) Loss (\d+\.\d{4}) Accuracy (\d\.\d{4})\n)");
  int epochs = 0;
  for (auto it = std::sregex_iterator(out.begin(), out.end(), epoch_line);
       it != std::sregex_iterator(); ++it)
    ++epochs;
  EXPECT_EQ(epochs, 100) << out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(Test accuracy: (\d\.\d{4})\n)"))) << out;
  EXPECT_GE(std::stod(m[1]), 0.94) << out;  // PyTorch reaches 0.98 on its split
  EXPECT_NE(out.find("identical to the trained model"), std::string::npos) << out;
  // The file is a model file like `lockstep train --save` writes: eval and predict can use it.
  const lockstep::LoadedModel loaded = lockstep::load_model_file(model);
  EXPECT_EQ(loaded.info.spec.model, "mlp:16");
  EXPECT_EQ(loaded.info.class_names,
            (std::vector<std::string>{"setosa", "versicolor", "virginica"}));
  EXPECT_EQ(loaded.info.mean.size(), 4u);
  std::remove(model.c_str());
}

TEST(ChapterPrograms, RunsAreRepeatable) {
  EXPECT_EQ(run(LINEAR_REGRESSION_NN), run(LINEAR_REGRESSION_NN));
}

}  // namespace
