// End-to-end: the vdit binary trains, writes its run folder, resumes, samples; bad input exits 2.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;

struct Result {
  int exit_code;
  std::string output;
};

Result run_vdit(const std::string& arguments) {
  // One log per test process: ctest runs the tests of this file in parallel processes.
  const std::string log = (fs::temp_directory_path() / ("vdit_cli_test_" + std::to_string(::getpid()) + ".log")).string();
  const int status = std::system((std::string(VDIT_BINARY) + " " + arguments + " > " + log + " 2>&1").c_str());
  std::stringstream output;
  output << std::ifstream(log).rdbuf();
  fs::remove(log);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output.str()};
}

class TrainCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    run_dir_ = fs::temp_directory_path() / ("vdit_train_test_" + std::to_string(::getpid()));
    fs::remove_all(run_dir_);
  }
  void TearDown() override { fs::remove_all(run_dir_); }
  // A tiny model on a small synthetic set: 2 stages, a few steps each.
  std::string tiny(const std::string& extra = "") const {
    return "train --run-dir " + run_dir_.string() +
           " --set model.hidden_size=24 --set model.depth=1 --set model.num_heads=2 --set model.caption_length=8"
           " --set data.synthetic_clips_per_bucket=4 --set training.global_batch=4 --set training.log_every=1"
           " --set 'curriculum.stages=[{name=\"img\", frames_max=1, steps=3, resolutions=[\"32x32\"]},"
           " {name=\"clip\", frames_min=4, frames_max=4, steps=3, temporal_weight=0.1}]' " + extra;
  }
  fs::path run_dir_;
};

TEST_F(TrainCommand, TrainsWritesRunFolderResumesAndSamples) {
  const Result first = run_vdit(tiny("--set training.stop_after_steps=4"));
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_TRUE(fs::exists(run_dir_ / "config.toml"));
  EXPECT_TRUE(fs::exists(run_dir_ / "checkpoints" / "latest"));

  const Result second = run_vdit(tiny());
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("resumed from"), std::string::npos) << second.output;

  std::ifstream metrics(run_dir_ / "metrics.jsonl");
  std::vector<nlohmann::json> rows;
  for (std::string line; std::getline(metrics, line);) rows.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(rows.size(), 6u);  // log_every = 1: steps 1..4, then 5..6 after the resume
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i]["step"], static_cast<int>(i) + 1);
    for (const char* field : {"stage", "loss", "grad_norm", "lr", "samples_per_second", "tokens_per_second",
                              "data_wait_percent", "peak_memory_mb", "mfu", "bucket"}) {
      EXPECT_TRUE(rows[i].contains(field)) << field;
    }
  }
  EXPECT_EQ(rows[0]["stage"], 1);
  EXPECT_EQ(rows[0]["bucket"], "1x32x32");
  EXPECT_EQ(rows[5]["stage"], 2);
  EXPECT_EQ(rows[5]["bucket"].get<std::string>().substr(0, 2), "4x");

  const Result sample = run_vdit("sample --run " + run_dir_.string() + " --frames 4 --size 16x16 --steps 3 --caption 'a red circle'");
  ASSERT_EQ(sample.exit_code, 0) << sample.output;
  EXPECT_TRUE(fs::exists(run_dir_ / "samples" / "step_000000006" / "sample_00.gif")) << sample.output;
  EXPECT_TRUE(fs::exists(run_dir_ / "samples" / "step_000000006" / "sample_00_frame003.png"));
}

TEST_F(TrainCommand, BadConfigExitsWithCodeTwoAndNamesTheField) {
  const Result result = run_vdit("train --run-dir " + run_dir_.string() + " --set training.global_batch=0");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("training.global_batch: found 0, expected > 0"), std::string::npos) << result.output;
  const Result typo = run_vdit("train --run-dir " + run_dir_.string() + " --set model.dpeth=3");
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.output.find("unknown key 'model.dpeth'"), std::string::npos) << typo.output;
}

TEST_F(TrainCommand, MeshThatNeedsALauncherIsRefusedBeforeCompute) {
  const Result result = run_vdit("train --run-dir " + run_dir_.string() + " --set parallel.dp=2 --set parallel.tp=2");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("dp(2) x sp(1) x tp(2) = 4 worker ranks"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("mpirun -np 5"), std::string::npos) << result.output;
}

TEST_F(TrainCommand, UnknownCommandAndMissingCheckpointExitTwo) {
  EXPECT_EQ(run_vdit("tarin").exit_code, 2);
  const Result sample = run_vdit("sample --run " + run_dir_.string());
  EXPECT_EQ(sample.exit_code, 2);
  EXPECT_NE(sample.output.find("no checkpoint"), std::string::npos) << sample.output;
}

}  // namespace
