// Background saves: back-to-back submits, failures that leave `latest` alone.
#include "checkpoints/async_checkpoint_writer.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "checkpoints/checkpoint_reader.h"
#include "core/error.h"
#include "tests/checkpoints/test_checkpoints.h"

namespace vdit::checkpoints {
namespace {

namespace fs = std::filesystem;
using testing::TempRoot;

TEST(AsyncCheckpointWriter, BothSavesLandWhenSubmittedBackToBack) {
  TempRoot root;
  std::vector<std::string> reports;
  AsyncCheckpointWriter writer([&](const std::string& line) { reports.push_back(line); });
  writer.submit(root.path(), testing::sample_meta(100), testing::sample_shards(100.0f));
  writer.submit(root.path(), testing::sample_meta(200), testing::sample_shards(200.0f));
  writer.wait();
  EXPECT_TRUE(reports.empty());
  EXPECT_FALSE(writer.last_error().has_value());
  EXPECT_EQ(writer.last_saved_path(), root / "step_000000200");
  EXPECT_NO_THROW(open_checkpoint(root / "step_000000100"));
  std::vector<std::string> warnings;
  const auto loaded = find_latest_checkpoint(root.path(), warnings);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->step, 200);
  EXPECT_EQ(read_full_tensor(*loaded, "model/blocks.0.attn.qkv.weight"),
            testing::pattern(24, 200.0f));
}

TEST(AsyncCheckpointWriter, AppliesRetentionAfterEachSave) {
  TempRoot root;
  {
    AsyncCheckpointWriter writer([](const std::string&) {});
    for (int64_t step = 1; step <= 4; ++step) {
      writer.submit(root.path(), testing::sample_meta(step),
                    testing::sample_shards(static_cast<float>(step)), 2, 0);
    }
  }  // the destructor waits for the last save
  EXPECT_FALSE(fs::exists(root / "step_000000002"));
  EXPECT_TRUE(fs::exists(root / "step_000000003"));
  EXPECT_TRUE(fs::exists(root / "step_000000004"));
}

TEST(AsyncCheckpointWriter, ReportsFailureWhenRootIsUnwritable) {
  TempRoot root;
  testing::write_text(root / "not_a_folder", "x");
  std::vector<std::string> reports;
  AsyncCheckpointWriter writer([&](const std::string& line) { reports.push_back(line); });
  writer.submit(root / "not_a_folder/checkpoints", testing::sample_meta(5),
                testing::sample_shards(5.0f));
  EXPECT_THROW(writer.wait(), RuntimeError);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_NE(reports[0].find("step 5"), std::string::npos) << reports[0];
  ASSERT_TRUE(writer.last_error().has_value());
  EXPECT_NO_THROW(writer.wait());  // a failure is rethrown once
}

TEST(AsyncCheckpointWriter, KeepsLatestOnPreviousSaveWhenASaveFails) {
  TempRoot root;
  std::vector<std::string> reports;
  AsyncCheckpointWriter writer([&](const std::string& line) { reports.push_back(line); });
  writer.submit(root.path(), testing::sample_meta(100), testing::sample_shards(100.0f));
  writer.wait();
  // Block the replacement of `latest` (root can write anywhere, so a permission bit won't do).
  fs::create_directories(root / "latest.tmp/occupied");
  writer.submit(root.path(), testing::sample_meta(200), testing::sample_shards(200.0f));
  EXPECT_THROW(writer.wait(), RuntimeError);
  EXPECT_EQ(reports.size(), 1u);
  EXPECT_TRUE(writer.last_error().has_value());
  EXPECT_EQ(testing::read_text(root / "latest"), "step_000000100\n");
  std::vector<std::string> warnings;
  const auto loaded = find_latest_checkpoint(root.path(), warnings);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->step, 100);

  // The next save succeeds once the obstacle is gone, and clears the error.
  fs::remove_all(root / "latest.tmp");
  writer.submit(root.path(), testing::sample_meta(300), testing::sample_shards(300.0f));
  writer.wait();
  EXPECT_FALSE(writer.last_error().has_value());
  EXPECT_EQ(testing::read_text(root / "latest"), "step_000000300\n");
}

}  // namespace
}  // namespace vdit::checkpoints
