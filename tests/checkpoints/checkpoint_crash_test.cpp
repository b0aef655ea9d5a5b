// A process killed at each commit phase leaves a loadable, complete checkpoint behind.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "checkpoints/checkpoint_reader.h"
#include "checkpoints/checkpoint_writer.h"
#include "tests/checkpoints/test_checkpoints.h"

namespace vdit::checkpoints {
namespace {

using testing::TempRoot;

// Forks a child that saves `step` and dies (_exit, no cleanup) when the writer reaches `phase`.
void save_and_die_at(const std::string& root, int64_t step, const std::string& phase) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    try {
      write_checkpoint(root, testing::sample_meta(step),
                       testing::sample_shards(static_cast<float>(step)), [&](const char* reached) {
                         if (phase == reached) ::_exit(1);
                       });
    } catch (...) {
      ::_exit(3);
    }
    ::_exit(2);  // the phase never came
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 1) << "the child did not die at phase " << phase;
}

struct CrashCase {
  const char* phase;
  int64_t expected_step;  // 100 = the previous checkpoint, 200 = the one being saved
};

class CheckpointCrash : public ::testing::TestWithParam<CrashCase> {};

TEST_P(CheckpointCrash, LeavesCompleteCheckpointWhenProcessDiesAtPhase) {
  TempRoot root;
  testing::save_sample(root.path(), 100);
  save_and_die_at(root.path(), 200, GetParam().phase);

  std::vector<std::string> warnings;
  const auto loaded = find_latest_checkpoint(root.path(), warnings);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->step, GetParam().expected_step);
  EXPECT_EQ(loaded->path.find(".partial"), std::string::npos) << loaded->path;
  const float seed = static_cast<float>(GetParam().expected_step);
  EXPECT_EQ(read_full_tensor(*loaded, "model/blocks.0.attn.qkv.weight"),
            testing::pattern(24, seed));

  // The next save cleans up after the crash and becomes `latest`.
  testing::save_sample(root.path(), 300);
  EXPECT_FALSE(std::filesystem::exists(root / "step_000000200.partial"));
  const auto after = find_latest_checkpoint(root.path(), warnings);
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->step, 300);
}

INSTANTIATE_TEST_SUITE_P(EveryPhase, CheckpointCrash,
                         ::testing::Values(CrashCase{"files_written", 100},
                                           CrashCase{"manifest_written", 100},
                                           CrashCase{"renamed", 100},
                                           CrashCase{"latest_replaced", 200}),
                         [](const ::testing::TestParamInfo<CrashCase>& info) {
                           std::string name = info.param.phase;
                           name.erase(std::remove(name.begin(), name.end(), '_'), name.end());
                           return name;
                         });

}  // namespace
}  // namespace vdit::checkpoints
