// Retention after a save: the newest K at or before `latest`, every M-th step, and always the one
// `latest` names; newer (abandoned) steps are moved aside.
#include <gtest/gtest.h>

#include <filesystem>

#include "checkpoints/checkpoint_layout.h"
#include "checkpoints/checkpoint_writer.h"
#include "core/error.h"
#include "tests/checkpoints/test_checkpoints.h"

namespace vdit::checkpoints {
namespace {

using testing::TempRoot;

std::vector<int64_t> steps_on_disk(const std::string& root) {
  std::vector<int64_t> steps;
  for (const StepFolder& folder : list_step_folders(root)) steps.push_back(folder.step);
  return steps;
}

TEST(ApplyRetention, KeepsLastKPlusEveryMthStep) {
  TempRoot root;
  for (int64_t step = 100; step <= 1000; step += 100) testing::save_sample(root.path(), step);
  apply_retention(root.path(), 2, 500);
  EXPECT_EQ(steps_on_disk(root.path()), (std::vector<int64_t>{1000, 900, 500}));
  EXPECT_FALSE(std::filesystem::exists(root / "step_000000100.deleting"));
}

TEST(ApplyRetention, KeepsOnlyLastKWhenKeepEveryIsZero) {
  TempRoot root;
  for (int64_t step = 1; step <= 4; ++step) testing::save_sample(root.path(), step);
  apply_retention(root.path(), 3, 0);
  EXPECT_EQ(steps_on_disk(root.path()), (std::vector<int64_t>{4, 3, 2}));
}

// After `--resume step_200` and a save at 300, step_400 of the abandoned branch must not keep one
// of the keep_last slots (it used to keep 400 and 300 and delete 200).
TEST(ApplyRetention, MovesAsideStepsNewerThanLatestWhenARunResumedFromAnOlderStep) {
  TempRoot root;
  for (int64_t step = 100; step <= 400; step += 100) testing::save_sample(root.path(), step);
  testing::write_text(root / "latest", "step_000000300\n");
  const RetentionReport report = apply_retention(root.path(), 2, 0);
  EXPECT_EQ(steps_on_disk(root.path()), (std::vector<int64_t>{300, 200}));
  EXPECT_TRUE(std::filesystem::is_directory(root / "step_000000400.abandoned"));
  ASSERT_EQ(report.moved_aside.size(), 1u);
  EXPECT_NE(report.moved_aside[0].find("step_000000400.abandoned"), std::string::npos)
      << report.moved_aside[0];
  ASSERT_EQ(report.deleted.size(), 1u);
  EXPECT_NE(report.deleted[0].find("step_000000100"), std::string::npos) << report.deleted[0];
}

TEST(ApplyRetention, ReplacesAnOlderAbandonedCopyWhenAStepIsAbandonedTwice) {
  TempRoot root;
  for (int64_t step = 1; step <= 2; ++step) testing::save_sample(root.path(), step);
  std::filesystem::create_directory(root / "step_000000002.abandoned");
  testing::write_text(root / "step_000000002.abandoned/old", "first branch\n");
  testing::write_text(root / "latest", "step_000000001\n");
  apply_retention(root.path(), 3, 0);
  EXPECT_EQ(steps_on_disk(root.path()), (std::vector<int64_t>{1}));
  EXPECT_FALSE(std::filesystem::exists(root / "step_000000002.abandoned/old"));
  EXPECT_TRUE(std::filesystem::exists(root / "step_000000002.abandoned/manifest.json"));
}

TEST(ApplyRetention, ThrowsWhenKeepLastIsBelowOne) {
  TempRoot root;
  testing::save_sample(root.path(), 1);
  EXPECT_THROW(apply_retention(root.path(), 0, 0), InputError);
  EXPECT_EQ(steps_on_disk(root.path()), (std::vector<int64_t>{1}));
}

TEST(StepsToKeep, KeepsMilestonesOlderThanTheLastK) {
  EXPECT_EQ(steps_to_keep({10, 20, 30, 40, 50}, 1, 20, -1), (std::vector<int64_t>{50, 40, 20}));
  EXPECT_EQ(steps_to_keep({10, 20}, 5, 0, -1), (std::vector<int64_t>{20, 10}));
}

TEST(StepsToKeep, CountsKeepLastFromLatestWhenNewerStepsExist) {
  EXPECT_EQ(steps_to_keep({10, 20, 30, 40, 50}, 2, 0, 30), (std::vector<int64_t>{30, 20}));
  EXPECT_EQ(steps_to_keep({10, 20, 30, 40, 50}, 1, 20, 30), (std::vector<int64_t>{30, 20}));
}

}  // namespace
}  // namespace vdit::checkpoints
