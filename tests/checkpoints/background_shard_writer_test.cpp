// Background shard writes: the result is handed out once, failures come back as messages, and a
// second write cannot start before the first is collected.
#include "checkpoints/background_shard_writer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "checkpoints/checkpoint_reader.h"
#include "core/error.h"
#include "tests/checkpoints/test_checkpoints.h"

namespace vdit::checkpoints {
namespace {

using testing::TempRoot;

TEST(BackgroundShardWriter, WaitHandsOutTheManifestEntryOnceAndItCommits) {
  TempRoot root;
  const std::string partial = begin_checkpoint(root.path(), 7);
  BackgroundShardWriter writer;
  writer.start(7, partial, testing::sample_shards(7.0f)[0]);
  const auto result = writer.wait();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->error, "");
  EXPECT_EQ(result->step, 7);
  EXPECT_EQ(result->file.name, "model-tp0-of-2.h5");
  EXPECT_GT(result->file.size, 0);
  EXPECT_FALSE(writer.wait().has_value());

  // The other half of the tensor, written the same way, completes the checkpoint.
  writer.start(7, partial, testing::sample_shards(7.0f)[1]);
  const auto second = writer.wait();
  ASSERT_TRUE(second.has_value());
  const std::string folder =
      commit_checkpoint(root.path(), testing::sample_meta(7), {result->file, second->file});
  EXPECT_EQ(read_full_tensor(open_checkpoint(folder), "model/blocks.0.attn.qkv.weight"),
            testing::pattern(24, 7.0f));
}

TEST(BackgroundShardWriter, PollGivesNothingUntilTheWriteEndsThenTheResultOnce) {
  TempRoot root;
  BackgroundShardWriter writer;
  EXPECT_FALSE(writer.poll().has_value());
  writer.start(3, begin_checkpoint(root.path(), 3), testing::sample_shards(3.0f)[0]);
  std::optional<ShardWriteResult> result;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!result && std::chrono::steady_clock::now() < deadline) {
    result = writer.poll();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->error, "");
  EXPECT_FALSE(writer.poll().has_value());
}

TEST(BackgroundShardWriter, ReportsTheErrorWhenTheFolderIsMissing) {
  TempRoot root;
  BackgroundShardWriter writer;
  writer.start(5, root / "no_such_folder", testing::sample_shards(5.0f)[0]);
  const auto result = writer.wait();
  ASSERT_TRUE(result.has_value());
  EXPECT_NE(result->error.find("no_such_folder"), std::string::npos) << result->error;
}

TEST(BackgroundShardWriter, ThrowsWhenStartedBeforeThePreviousResultIsCollected) {
  TempRoot root;
  const std::string partial = begin_checkpoint(root.path(), 9);
  BackgroundShardWriter writer;
  writer.start(9, partial, testing::sample_shards(9.0f)[0]);
  EXPECT_THROW(writer.start(9, partial, testing::sample_shards(9.0f)[1]), RuntimeError);
  EXPECT_TRUE(writer.wait().has_value());
}

}  // namespace
}  // namespace vdit::checkpoints
