// `vdit eval` end to end: the two-path forms, the stats file round trip, user errors, and a
// checkpoint sweep over a tiny trained run.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "eval/feature_files.h"
#include "tests/data/media_test_utils.h"
#include "tests/eval/eval_fixtures.h"
#include "tests/vdit_command.h"

namespace vdit::eval {
namespace {

namespace fs = std::filesystem;

using Result = testing::VditResult;
using testing::run_vdit;

// The last line of the output that parses as a JSON object.
nlohmann::json json_line(const std::string& output) {
  std::istringstream lines(output);
  nlohmann::json found;
  for (std::string line; std::getline(lines, line);) {
    auto parsed = nlohmann::json::parse(line, nullptr, false);
    if (parsed.is_object()) found = parsed;
  }
  return found;
}

size_t occurrences(const std::string& text, const std::string& part) {
  size_t count = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
  return count;
}

const std::string kFidDetector =
    " --detector " + test::fixture("inception_tiny.pt") + " --detector-width 16 --no-cache";

TEST(EvalCommand, FidJsonMatchesPythonWhenGivenTwoShardFolders) {
  const Result result = run_vdit("eval fid " + test::fixture("set_a") + " " +
                                 test::fixture("set_b") + kFidDetector + " --json");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const nlohmann::json json = json_line(result.output);
  const double expected = test::reference()["shards"]["fid_scipy"];
  EXPECT_NEAR(json.at("fid").get<double>(), expected, 1e-4 * expected) << result.output;
  EXPECT_EQ(json.at("N"), nlohmann::json({80, 48}));
  EXPECT_EQ(json.at("D"), 16);
  EXPECT_NE(json.at("protocol").get<std::string>().find("every frame"), std::string::npos);
  EXPECT_EQ(json.at("detector").get<std::string>().rfind("crc32:", 0), 0u);
}

TEST(EvalCommand, FdOfStatsFilesEqualsFidWhenStatsWereWrittenByStats) {
  data::media_test::ScratchDir scratch("vdit-eval-stats");
  for (const char* set : {"set_a", "set_b"}) {
    const Result stats = run_vdit("eval stats " + test::fixture(set) + " --detector " +
                                  test::fixture("inception_tiny.pt") +
                                  " --detector-width 16 --out " + scratch.file(set) + ".h5");
    ASSERT_EQ(stats.exit_code, 0) << stats.output;
  }
  const Result fd =
      run_vdit("eval fd " + scratch.file("set_a.h5") + " " + scratch.file("set_b.h5") + " --json");
  ASSERT_EQ(fd.exit_code, 0) << fd.output;
  const nlohmann::json json = json_line(fd.output);
  const double expected = test::reference()["shards"]["fid_scipy"];
  EXPECT_NEAR(json.at("fd").get<double>(), expected, 1e-4 * expected) << fd.output;
  EXPECT_NE(json.at("protocol").get<std::string>().find("every frame"), std::string::npos);
}

TEST(EvalCommand, FvdJsonRecordsPresetWhenVideogptIsAsked) {
  const Result result =
      run_vdit("eval fvd " + test::fixture("set_a") + " " + test::fixture("set_b") +
               " --detector " + test::fixture("i3d_tiny.pt") +
               " --detector-width 12 --clip-frames 8 --protocol videogpt"
               " --no-cache --json");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const nlohmann::json json = json_line(result.output);
  const double expected = test::reference()["shards"]["fvd_videogpt"];
  EXPECT_NEAR(json.at("fvd").get<double>(), expected, 1e-4 * expected) << result.output;
  EXPECT_EQ(json.at("protocol"), "videogpt, 8 frames, stride 1");
  EXPECT_EQ(json.at("N"), nlohmann::json({10, 6}));
  EXPECT_TRUE(json.at("rank_deficient").get<bool>());  // 6 clips, 12 dimensions
}

TEST(EvalCommand, ClipScoreJsonMatchesPythonWhenClipscoreConventionIsAsked) {
  const Result result = run_vdit("eval clip " + test::fixture("set_b") + " --detector " +
                                 test::fixture("clip_tiny.pt") + " --vocab " +
                                 test::fixture("bpe_tiny_vocab.txt.gz") + " --prompts " +
                                 test::fixture("prompts.txt") + " --convention clipscore --json");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const nlohmann::json json = json_line(result.output);
  const double expected = test::reference()["shards"]["clip_score_b"]["clipscore"];
  EXPECT_NEAR(json.at("clip_score").get<double>(), expected, 1e-4 * expected) << result.output;
  EXPECT_EQ(json.at("protocol"), "clipscore");
}

TEST(EvalCommand, ExitsTwoNamingFileWhenDetectorIsMissing) {
  const Result result = run_vdit("eval fid " + test::fixture("set_a") + " " +
                                 test::fixture("set_b") + " --detector /nonexistent/incep.pt");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("/nonexistent/incep.pt"), std::string::npos) << result.output;
}

TEST(EvalCommand, ExitsTwoWhenAnOptionDoesNotApplyToTheForm) {
  // fd takes no detector: refused rather than ignored.
  const Result result = run_vdit("eval fd a.h5 b.h5 --detector x.pt");
  EXPECT_EQ(result.exit_code, 2) << result.output;
}

class EvalSweep : public ::testing::Test {
 protected:
  void SetUp() override {
    run_dir_ = fs::temp_directory_path() / ("vdit_eval_sweep_" + std::to_string(::getpid()));
    fs::remove_all(run_dir_);
  }
  void TearDown() override { fs::remove_all(run_dir_); }
  fs::path run_dir_;
};

TEST_F(EvalSweep, WritesResultsPlotsAndReportThenSkipsScoredCheckpoints) {
  // Three checkpoints (steps 2, 4, 6) across two stages of a tiny model.
  const Result train = run_vdit(
      "train --run-dir " + run_dir_.string() +
      " --set model.hidden_size=24 --set model.depth=1 --set model.num_heads=2"
      " --set model.caption_length=8 --set data.synthetic_clips_per_bucket=4"
      " --set training.global_batch=4 --set checkpoint.every_steps=2 --set checkpoint.keep_last=5"
      " --set checkpoint.async=false"
      " --set 'curriculum.stages=[{name=\"img\", frames_max=1, steps=2, resolutions=[\"32x32\"]},"
      " {name=\"clip\", frames_min=4, frames_max=4, steps=4}]'");
  ASSERT_EQ(train.exit_code, 0) << train.output;
  const std::string sweep =
      "eval " + run_dir_.string() + " --reference " + test::fixture("set_a") +
      " --metrics fid,fvd,kid,clip --num-samples 4 --sample-steps 2 --clip-frames 8"
      " --prompts " +
      test::fixture("prompts.txt") + " --fid-detector " + test::fixture("inception_tiny.pt") +
      " --fid-width 16" + " --fvd-detector " + test::fixture("i3d_tiny.pt") + " --fvd-width 12" +
      " --clip-detector " + test::fixture("clip_tiny.pt") + " --clip-vocab " +
      test::fixture("bpe_tiny_vocab.txt.gz");
  const Result first = run_vdit(sweep);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("scored 3 checkpoint(s), skipped 0"), std::string::npos)
      << first.output;
  EXPECT_NE(first.output.find("N = 4 < 2048"), std::string::npos) << first.output;

  const fs::path eval_dir = run_dir_ / "eval";
  std::ifstream csv(eval_dir / "results.csv");
  std::vector<std::string> lines;
  for (std::string line; std::getline(csv, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 1u + 3 * 4) << "header + 3 checkpoints x 4 metrics";
  EXPECT_EQ(lines[0], "checkpoint,step,stage,metric,value,N,protocol,detector");
  for (const char* metric : {"fid", "fvd", "kid", "clip_score"}) {
    EXPECT_TRUE(fs::exists(eval_dir / "plots" / (std::string(metric) + ".svg"))) << metric;
  }
  std::stringstream fid_plot;
  fid_plot << std::ifstream(eval_dir / "plots" / "fid.svg").rdbuf();
  EXPECT_NE(fid_plot.str().find("data-series=\"value\""), std::string::npos);
  // The checkpoints span two curriculum stages: the plot marks where the first ended.
  EXPECT_NE(fid_plot.str().find("class=\"stage-boundary\" data-step="), std::string::npos)
      << fid_plot.str();
  std::stringstream report;
  report << std::ifstream(eval_dir / "report.html").rdbuf();
  EXPECT_NE(report.str().find("<svg"), std::string::npos);
  EXPECT_NE(report.str().find("data:image/gif;base64,"), std::string::npos);
  EXPECT_NE(report.str().find("N = 4 &lt; 2048"), std::string::npos);
  // No external assets: the only URLs are the inline SVGs' namespace.
  EXPECT_EQ(occurrences(report.str(), "http"),
            occurrences(report.str(), "http://www.w3.org/2000/svg"));

  // Drop the last checkpoint's rows, as a kill before its append would: only it is rescored.
  std::vector<std::string> kept;
  {
    std::ifstream jsonl(eval_dir / "results.jsonl");
    for (std::string line; std::getline(jsonl, line);) {
      if (line.find("step_000000006") == std::string::npos) kept.push_back(line);
    }
  }
  {
    std::ofstream jsonl(eval_dir / "results.jsonl");
    for (const auto& line : kept) jsonl << line << "\n";
  }
  const Result second = run_vdit(sweep);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("scored 1 checkpoint(s), skipped 2"), std::string::npos)
      << second.output;
  const Result third = run_vdit(sweep);
  EXPECT_NE(third.output.find("scored 0 checkpoint(s), skipped 3"), std::string::npos)
      << third.output;
}

}  // namespace
}  // namespace vdit::eval
