// End-to-end: the vdit binary trains, writes its run folder, resumes, samples; bad input exits 2.
#include <fmt/core.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "checkpoints/checkpoint_reader.h"
#include "tests/vdit_command.h"

namespace {

namespace fs = std::filesystem;

using Result = vdit::testing::VditResult;
using vdit::testing::run_vdit;

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
           " --set model.hidden_size=24 --set model.depth=1 --set model.num_heads=2 --set "
           "model.caption_length=8"
           " --set data.synthetic_clips_per_bucket=4 --set training.global_batch=4 --set "
           "training.log_every=1"
           " --set 'curriculum.stages=[{name=\"img\", frames_max=1, steps=3, "
           "resolutions=[\"32x32\"]},"
           " {name=\"clip\", frames_min=4, frames_max=4, steps=3, temporal_weight=0.1}]' " +
           extra;
  }
  fs::path run_dir_;
};

TEST_F(TrainCommand, TrainsWritesRunFolderResumesAndSamples) {
  const Result first = run_vdit(tiny("--set training.stop_after_steps=4"));
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_TRUE(fs::exists(run_dir_ / "config.toml"));
  EXPECT_TRUE(fs::exists(run_dir_ / "checkpoints" / "latest"));
  bool has_event_file = false;
  for (const auto& file : fs::directory_iterator(run_dir_ / "logs")) {
    has_event_file |= file.path().filename().string().rfind("events.out.tfevents.", 0) == 0;
  }
  EXPECT_TRUE(has_event_file) << "no TensorBoard event file in logs/";

  const Result second = run_vdit(tiny());
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("resumed from"), std::string::npos) << second.output;

  std::ifstream metrics(run_dir_ / "metrics.jsonl");
  std::vector<nlohmann::json> rows, resumes;
  for (std::string line; std::getline(metrics, line);) {
    const auto row = nlohmann::json::parse(line);
    (row.contains("resumed_from") ? resumes : rows).push_back(row);
  }
  ASSERT_EQ(rows.size(), 6u);  // log_every = 1: steps 1..4, then 5..6 after the resume
  ASSERT_EQ(resumes.size(), 1u);
  EXPECT_EQ(resumes[0]["resumed_from"], 4);
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i]["step"], static_cast<int>(i) + 1);
    for (const char* field :
         {"stage", "loss", "grad_norm", "lr", "samples_per_second", "tokens_per_second",
          "data_wait_percent", "peak_memory_mb", "mfu", "bucket"}) {
      EXPECT_TRUE(rows[i].contains(field)) << field;
    }
  }
  EXPECT_EQ(rows[0]["stage"], 1);
  EXPECT_EQ(rows[0]["bucket"], "1x32x32");
  EXPECT_EQ(rows[5]["stage"], 2);
  EXPECT_EQ(rows[5]["bucket"].get<std::string>().substr(0, 2), "4x");

  const Result sample = run_vdit("sample --run " + run_dir_.string() +
                                 " --frames 4 --size 16x16 --steps 3 --caption 'a red circle'");
  ASSERT_EQ(sample.exit_code, 0) << sample.output;
  EXPECT_TRUE(fs::exists(run_dir_ / "samples" / "step_000000006" / "sample_00.gif"))
      << sample.output;
  EXPECT_TRUE(fs::exists(run_dir_ / "samples" / "step_000000006" / "sample_00_frame003.png"));
  EXPECT_TRUE(fs::exists(run_dir_ / "samples" / "step_000000006" / "sample_00.mp4"));
  EXPECT_TRUE(fs::exists(run_dir_ / "samples" / "step_000000006" / "contact_sheet.png"));
  // Each sample's motion is printed as numbers (an untrained model may draw no foreground).
  EXPECT_NE(sample.output.find("sample_00: "), std::string::npos) << sample.output;
  EXPECT_NE(sample.output.find(" (\"a red circle\")"), std::string::npos) << sample.output;
}

// Starts a long run in the background, waits for its first logged step, sends `signal` to it.
Result train_and_signal(const fs::path& run_dir, int signal) {
  const std::string log = run_dir.string() + ".log";
  const std::string command =
      std::string(VDIT_BINARY) + " train --run-dir " + run_dir.string() +
      " --set model.hidden_size=24 --set model.depth=1 --set model.num_heads=2 --set "
      "model.caption_length=8"
      " --set data.synthetic_clips_per_bucket=4 --set training.global_batch=4 --set "
      "training.log_every=1"
      " --set training.steps=1000000 --set 'data.synthetic_buckets=[\"1x32x32\"]' > " +
      log + " 2>&1";
  int status = 0;
  std::thread runner([&] { status = std::system(command.c_str()); });
  for (int i = 0; i < 600 && !fs::exists(run_dir / "metrics.jsonl"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // Anchored at the binary, so the shell that runs it (whose command line also names the run) is
  // spared.
  std::system(("pkill -" + std::to_string(signal) + " -f '^" + std::string(VDIT_BINARY) +
               " train --run-dir " + run_dir.string() + " '")
                  .c_str());
  runner.join();
  std::stringstream output;
  output << std::ifstream(log).rdbuf();
  fs::remove(log);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output.str()};
}

TEST_F(TrainCommand, SigusrOneStopsAtAStepBoundaryWithACheckpointAndTheRequeueCode) {
  const Result result = train_and_signal(run_dir_, SIGUSR1);
  EXPECT_EQ(result.exit_code, 75) << result.output;
  EXPECT_NE(result.output.find("signal 10 received: stopping at step"), std::string::npos)
      << result.output;
  // The checkpoint is of the step the run stopped at, so a resume loses nothing.
  std::ifstream metrics(run_dir_ / "metrics.jsonl");
  int64_t last_step = 0;
  for (std::string line; std::getline(metrics, line);)
    last_step = nlohmann::json::parse(line)["step"];
  std::ifstream latest(run_dir_ / "checkpoints" / "latest");
  std::string name;
  latest >> name;
  EXPECT_EQ(name, fmt::format("step_{:09d}", last_step));
}

TEST_F(TrainCommand, SigintStopsWithACheckpointAndExitCodeZero) {
  const Result result = train_and_signal(run_dir_, SIGINT);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_TRUE(fs::exists(run_dir_ / "checkpoints" / "latest"));
}

const std::string kTinyModel =
    " --set model.hidden_size=24 --set model.depth=1 --set model.num_heads=2 --set "
    "model.caption_length=8"
    " --set data.synthetic_clips_per_bucket=4 --set training.global_batch=4 --set "
    "training.log_every=1";

std::vector<nlohmann::json> metrics_of(const fs::path& run_dir) {
  std::ifstream metrics(run_dir / "metrics.jsonl");
  std::vector<nlohmann::json> rows;
  for (std::string line; std::getline(metrics, line);) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

TEST_F(TrainCommand, RunsTheFiveScaledStagesInOrderOnTheirBuckets) {
  const std::string stages =
      " --set 'data.synthetic_buckets=[\"1x16x16\", \"4x16x16\", \"8x16x16\", \"8x24x24\"]'"
      " --set 'curriculum.stages=["
      "{name=\"images\", frames_max=1, steps=2},"
      "{name=\"short\", frames_min=4, frames_max=4, steps=2, temporal_weight=0.1},"
      "{name=\"motion\", frames_min=8, frames_max=8, resolutions=[\"16x16\"], steps=2, "
      "motion_weight=0.05},"
      "{name=\"complex\", frames_min=8, frames_max=8, resolutions=[\"24x24\"], steps=6, "
      "advance=\"plateau\","
      " min_steps=2, patience=1, min_delta=10.0},"
      "{name=\"mixed\", frames_max=8, steps=2, condition_dropout=0.3}]'";
  const Result result = run_vdit("train --run-dir " + run_dir_.string() + kTinyModel + stages);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto rows = metrics_of(run_dir_);
  std::vector<int> stages_seen;
  for (const auto& row : rows) stages_seen.push_back(row["stage"]);
  // The plateau rule ends stage 4 after min_steps (2): no improvement of 10.0 is ever possible.
  EXPECT_EQ(stages_seen, (std::vector<int>{1, 1, 2, 2, 3, 3, 4, 4, 5, 5})) << result.output;
  EXPECT_EQ(rows[0]["bucket"], "1x16x16");
  EXPECT_EQ(rows[2]["bucket"], "4x16x16");
  EXPECT_EQ(rows[4]["bucket"], "8x16x16");
  EXPECT_EQ(rows[6]["bucket"], "8x24x24");
  EXPECT_NE(result.output.find("stage complex done after 2 steps (plateau)"), std::string::npos)
      << result.output;
}

// Every tensor of the newest checkpoint (model, EMA, AdamW moments and steps).
std::map<std::string, std::vector<float>> checkpoint_tensors(const fs::path& run_dir) {
  std::vector<std::string> warnings;
  const auto checkpoint =
      vdit::checkpoints::find_latest_checkpoint((run_dir / "checkpoints").string(), warnings);
  std::map<std::string, std::vector<float>> tensors;
  for (const auto& [name, shape] : vdit::checkpoints::list_tensors(*checkpoint)) {
    tensors[name] = vdit::checkpoints::read_full_tensor(*checkpoint, name);
  }
  return tensors;
}

TEST_F(TrainCommand, ResumedRunIsBitwiseEqualToAStraightRunAcrossAStageBoundary) {
  const std::string stages =
      " --set 'data.synthetic_buckets=[\"1x16x16\", \"4x16x16\"]'"
      " --set 'curriculum.stages=[{name=\"a\", frames_max=1, steps=4}, {name=\"b\", frames_min=4, "
      "frames_max=4, steps=8,"
      " temporal_weight=0.1}]'";
  const fs::path straight = run_dir_ / "straight", resumed = run_dir_ / "resumed";
  ASSERT_EQ(run_vdit("train --run-dir " + straight.string() + kTinyModel + stages).exit_code, 0);
  // Stop exactly at the stage boundary (step 4), then in the middle of stage b (step 9), then
  // finish.
  for (const char* stop :
       {" --set training.stop_after_steps=4", " --set training.stop_after_steps=5", ""}) {
    const Result part =
        run_vdit("train --run-dir " + resumed.string() + kTinyModel + stages + stop);
    ASSERT_EQ(part.exit_code, 0) << part.output;
  }
  const auto expected = checkpoint_tensors(straight), actual = checkpoint_tensors(resumed);
  ASSERT_EQ(expected.size(), actual.size());
  for (const auto& [name, values] : expected) EXPECT_EQ(actual.at(name), values) << name;
  EXPECT_EQ(metrics_of(straight).back()["loss"], metrics_of(resumed).back()["loss"]);
}

TEST_F(TrainCommand, CheckListsEveryProblemOfEveryStageBeforeAnyCompute) {
  // The synthetic set is written with 8 caption tokens (the tiny model's); the model is then told
  // 16, and a third stage asks for clips the data does not have.
  ASSERT_EQ(run_vdit(tiny("--check")).exit_code, 0);
  const Result checked = run_vdit(
      tiny("--check --set model.caption_length=16 --set 'curriculum.stages=[{name=\"img\", "
           "frames_max=1, steps=3}, {name=\"clip\", frames_min=4, frames_max=4, steps=3}, "
           "{name=\"long\", frames_min=32, frames_max=32, steps=3}]'"));
  EXPECT_EQ(checked.exit_code, 2) << checked.output;
  EXPECT_NE(checked.output.find("pre-flight found 3 problems"), std::string::npos)
      << checked.output;
  EXPECT_NE(checked.output.find("stage 1/3 \"img\", bucket 1x32x32: caption_ids hold 8 tokens "
                                "per caption, but model.caption_length = 16"),
            std::string::npos)
      << checked.output;
  EXPECT_NE(checked.output.find("stage 3/3 \"long\": no bucket can feed this stage"),
            std::string::npos)
      << checked.output;
  EXPECT_EQ(checked.output.find("step "), std::string::npos) << "trained despite the problems";
  EXPECT_FALSE(fs::exists(run_dir_ / "metrics.jsonl"));
}

TEST_F(TrainCommand, CheckPassesAndTrainsNothingWhenEveryStageFits) {
  const Result checked = run_vdit(tiny("--check"));
  EXPECT_EQ(checked.exit_code, 0) << checked.output;
  EXPECT_NE(checked.output.find("pre-flight: ok: 2 stages checked"), std::string::npos)
      << checked.output;
  EXPECT_NE(checked.output.find("pre-flight: stage 2/2 \"clip\": up to 3 steps (advance: "
                                "steps), global batch 4, buckets 4x"),
            std::string::npos)
      << checked.output;
  EXPECT_FALSE(fs::exists(run_dir_ / "metrics.jsonl"));
  EXPECT_FALSE(fs::exists(run_dir_ / "checkpoints" / "latest"));
}

TEST_F(TrainCommand, ResumingAFinishedRunSaysSoAndExitsZero) {
  ASSERT_EQ(run_vdit(tiny()).exit_code, 0);
  const Result again = run_vdit(tiny());
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("the curriculum already finished there (step 6, all 2 stages); "
                              "nothing to train"),
            std::string::npos)
      << again.output;
}

TEST_F(TrainCommand, BadConfigExitsWithCodeTwoAndNamesTheField) {
  const Result result =
      run_vdit("train --run-dir " + run_dir_.string() + " --set training.global_batch=0");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("training.global_batch: found 0, expected > 0"), std::string::npos)
      << result.output;
  const Result typo = run_vdit("train --run-dir " + run_dir_.string() + " --set model.dpeth=3");
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.output.find("unknown key 'model.dpeth'"), std::string::npos) << typo.output;
}

#ifndef VDIT_TORCH_CUDA
TEST_F(TrainCommand, CudaWithACpuLibTorchIsRefusedAtStartUpNamingTheField) {
  const Result result =
      run_vdit("train --run-dir " + run_dir_.string() + " --set training.device=cuda");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("training.device: found \"cuda\", but this LibTorch has no CUDA"),
            std::string::npos)
      << result.output;
  EXPECT_FALSE(fs::exists(run_dir_ / "checkpoints")) << "nothing may start before the check";
}
#endif

TEST_F(TrainCommand, MeshThatNeedsALauncherIsRefusedBeforeCompute) {
  const Result result =
      run_vdit("train --run-dir " + run_dir_.string() + " --set parallel.dp=2 --set parallel.tp=2");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("dp(2) x sp(1) x tp(2) = 4 worker ranks"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("mpirun -np 5"), std::string::npos) << result.output;
}

TEST_F(TrainCommand, UnknownCommandAndMissingCheckpointExitTwo) {
  EXPECT_EQ(run_vdit("tarin").exit_code, 2);
  const Result sample = run_vdit("sample --run " + run_dir_.string());
  EXPECT_EQ(sample.exit_code, 2);
  EXPECT_NE(sample.output.find("no checkpoint"), std::string::npos) << sample.output;
}

}  // namespace
