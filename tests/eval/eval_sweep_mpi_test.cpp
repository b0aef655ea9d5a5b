// `mpirun -np K vdit eval RUN` (label mpi): the sweep splits samples over the ranks (sample i on
// rank i % K, noise seed + i) and reduces sums; 2 and 4 ranks must give 1 rank's numbers.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/eval/eval_fixtures.h"

namespace vdit::eval {
namespace {

namespace fs = std::filesystem;

int run(const std::string& command, std::string& output) {
  const std::string log =
      (fs::temp_directory_path() / ("vdit_eval_mpi_" + std::to_string(::getpid()) + ".log"))
          .string();
  const int status = std::system((command + " > " + log + " 2>&1").c_str());
  std::stringstream text;
  text << std::ifstream(log).rdbuf();
  fs::remove(log);
  output = text.str();
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// (checkpoint, metric) -> value, from results.jsonl (full double precision).
std::map<std::pair<std::string, std::string>, double> results(const fs::path& jsonl) {
  std::map<std::pair<std::string, std::string>, double> values;
  std::ifstream in(jsonl);
  for (std::string line; std::getline(in, line);) {
    const auto row = nlohmann::json::parse(line);
    values[{row["checkpoint"], row["metric"]}] = row["value"];
  }
  return values;
}

TEST(EvalSweepMpi, RanksGiveOneRanksNumbersWhenSamplesAreSplit) {
  const fs::path run_dir =
      fs::temp_directory_path() / ("vdit_eval_sweep_mpi_" + std::to_string(::getpid()));
  fs::remove_all(run_dir);
  std::string output;
  ASSERT_EQ(run(std::string(VDIT_BINARY) + " train --run-dir " + run_dir.string() +
                    " --set model.hidden_size=24 --set model.depth=1 --set model.num_heads=2"
                    " --set model.caption_length=8 --set data.synthetic_clips_per_bucket=4"
                    " --set training.global_batch=4 --set checkpoint.every_steps=2"
                    " --set checkpoint.async=false"
                    " --set 'curriculum.stages=[{name=\"clip\", frames_min=4, frames_max=4, "
                    "steps=4}]'",
                output),
            0)
      << output;
  const std::string sweep =
      std::string(VDIT_BINARY) + " eval " + run_dir.string() + " --reference " +
      test::fixture("set_a") + " --metrics fid,fvd,kid,clip --num-samples 5 --sample-steps 2" +
      " --clip-frames 8 --prompts " + test::fixture("prompts.txt") + " --fid-detector " +
      test::fixture("inception_tiny.pt") + " --fid-width 16 --fvd-detector " +
      test::fixture("i3d_tiny.pt") + " --fvd-width 12 --clip-detector " +
      test::fixture("clip_tiny.pt") + " --clip-vocab " + test::fixture("bpe_tiny_vocab.txt.gz");
  std::map<std::pair<std::string, std::string>, double> single;
  for (const int ranks : {1, 2, 4}) {
    fs::remove_all(run_dir / "eval");
    ASSERT_EQ(run(std::string(VDIT_MPIEXEC) + " --oversubscribe --allow-run-as-root -np " +
                      std::to_string(ranks) + " " + sweep,
                  output),
              0)
        << output;
    const auto values = results(run_dir / "eval" / "results.jsonl");
    ASSERT_EQ(values.size(), 2u * 4u) << output;  // 2 checkpoints x 4 metrics
    if (ranks == 1) {
      single = values;
      continue;
    }
    for (const auto& [key, value] : values) {
      // Sums added in another order: equal to rounding, not bitwise.
      EXPECT_NEAR(value, single.at(key), 1e-9 * std::abs(single.at(key)) + 1e-12)
          << ranks << " ranks: " << key.first << " " << key.second;
    }
  }
  fs::remove_all(run_dir);
}

}  // namespace
}  // namespace vdit::eval
