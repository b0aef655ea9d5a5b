// Retention after a save: the newest K, every M-th step, and always the one `latest` names.
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

TEST(ApplyRetention, NeverDeletesTheStepLatestNames) {
  TempRoot root;
  for (int64_t step = 1; step <= 3; ++step) testing::save_sample(root.path(), step);
  testing::write_text(root / "latest", "step_000000001\n");  // e.g. 2 and 3 were rolled back
  apply_retention(root.path(), 1, 0);
  EXPECT_EQ(steps_on_disk(root.path()), (std::vector<int64_t>{3, 1}));
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

}  // namespace
}  // namespace vdit::checkpoints
