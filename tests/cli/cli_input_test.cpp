// The vdit binary on bad input: exit code 2 and a message naming the flag or key, the value found
// and the value expected; never a raw standard-library or LibTorch message.
#include <fmt/core.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/vdit_command.h"

namespace {

namespace fs = std::filesystem;

using Result = vdit::testing::VditResult;

// In the source tree, so configs/demo.toml is found.
Result run_vdit(const std::string& arguments) {
  return vdit::testing::run_vdit(arguments, VDIT_SOURCE_DIR);
}

std::string scratch_dir() {
  return (fs::temp_directory_path() / fmt::format("vdit_cli_input_run_{}", ::getpid())).string();
}

// Each of these must fail on the config, before a data set is written or a worker starts.
TEST(TrainCommand, ExitsTwoNamingTheKeyWhenASetIndexIsNotANumber) {
  const Result result = run_vdit(fmt::format(
      "train configs/demo.toml --run-dir {} --set curriculum.stages.x.steps=3", scratch_dir()));
  fs::remove_all(scratch_dir());
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("--set curriculum.stages.x.steps"), std::string::npos)
      << result.output;
  EXPECT_EQ(result.output.find("stoul"), std::string::npos) << result.output;
}

TEST(TrainCommand, ExitsTwoNamingTheFieldWhenAModelSizeIsNegative) {
  const Result result = run_vdit(
      fmt::format("train configs/demo.toml --run-dir {} --set model.depth=-1", scratch_dir()));
  fs::remove_all(scratch_dir());
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("model.depth: found -1"), std::string::npos) << result.output;
}

// The flags are checked before the checkpoint is even looked for, so no run folder is needed.
TEST(SampleCommand, ExitsTwoNamingTheFlagWhenAValueIsOutOfRange) {
  const std::string run = "sample --run " + scratch_dir();
  const Result frames = run_vdit(run + " --frames 0");
  EXPECT_EQ(frames.exit_code, 2) << frames.output;
  EXPECT_NE(frames.output.find("--frames: found 0, expected >= 1"), std::string::npos)
      << frames.output;
  const Result steps = run_vdit(run + " --steps 0");
  EXPECT_EQ(steps.exit_code, 2) << steps.output;
  EXPECT_NE(steps.output.find("--steps: found 0"), std::string::npos) << steps.output;
  const Result seed = run_vdit(run + " --seed -1");
  EXPECT_EQ(seed.exit_code, 2) << seed.output;
  EXPECT_NE(seed.output.find("--seed: found -1"), std::string::npos) << seed.output;
  const Result size = run_vdit(run + " --size 32x32x8");
  EXPECT_EQ(size.exit_code, 2) << size.output;
  EXPECT_NE(size.output.find("--size: found \"32x32x8\""), std::string::npos) << size.output;
  const Result format = run_vdit(run + " --format gif,webm");
  EXPECT_EQ(format.exit_code, 2) << format.output;
  EXPECT_NE(
      format.output.find("--format: found \"webm\" in \"gif,webm\", expected gif, mp4 or png"),
      std::string::npos)
      << format.output;
  const Result fps = run_vdit(run + " --fps 0");
  EXPECT_EQ(fps.exit_code, 2) << fps.output;
  EXPECT_NE(fps.output.find("--fps: found 0, expected 1..50"), std::string::npos) << fps.output;
}

}  // namespace
