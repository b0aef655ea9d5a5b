// Background shard writes: the result is handed out once, failures come back as messages, and a
// second write cannot start before the first is collected.
#include "checkpoints/background_shard_writer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "checkpoints/checkpoint_reader.h"
#include "core/error.h"
#include "tests/checkpoints/test_checkpoints.h"

namespace vdit::checkpoints {
namespace {

using testing::TempRoot;

// Starts a write whose stager hands over `shard`'s tensors.
void start(BackgroundShardWriter& writer, int64_t step, const std::string& folder,
           ShardFile shard) {
  writer.start(step, folder, shard.file_name,
               [tensors = std::move(shard.tensors)] { return tensors; });
}

TEST(BackgroundShardWriter, WaitHandsOutTheManifestEntryOnceAndItCommits) {
  TempRoot root;
  const std::string partial = begin_checkpoint(root.path(), 7);
  BackgroundShardWriter writer;
  start(writer, 7, partial, testing::sample_shards(7.0f)[0]);
  const auto result = writer.wait();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->error, "");
  EXPECT_EQ(result->step, 7);
  EXPECT_EQ(result->file.name, "model-tp0-of-2.h5");
  EXPECT_GT(result->file.size, 0);
  EXPECT_FALSE(writer.wait().has_value());

  // The other half of the tensor, written the same way, completes the checkpoint.
  start(writer, 7, partial, testing::sample_shards(7.0f)[1]);
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
  start(writer, 3, begin_checkpoint(root.path(), 3), testing::sample_shards(3.0f)[0]);
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
  start(writer, 5, root / "no_such_folder", testing::sample_shards(5.0f)[0]);
  const auto result = writer.wait();
  ASSERT_TRUE(result.has_value());
  EXPECT_NE(result->error.find("no_such_folder"), std::string::npos) << result->error;
}

TEST(BackgroundShardWriter, WaitStagedReturnsOnceTheStagerRanOnTheWriterThread) {
  TempRoot root;
  BackgroundShardWriter writer;
  writer.wait_staged();  // nothing in flight: returns at once
  std::atomic<bool> staged{false};
  std::thread::id stager_thread;
  writer.start(2, begin_checkpoint(root.path(), 2), "state-tp0-of-1.h5", [&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    stager_thread = std::this_thread::get_id();
    staged = true;
    return testing::sample_shards(2.0f)[0].tensors;
  });
  writer.wait_staged();
  EXPECT_TRUE(staged);
  EXPECT_NE(stager_thread, std::this_thread::get_id());
  const auto result = writer.wait();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->error, "");
  EXPECT_EQ(result->tensors.size(), testing::sample_shards(2.0f)[0].tensors.size());
}

TEST(BackgroundShardWriter, ReportsTheErrorWhenTheStagerThrows) {
  TempRoot root;
  BackgroundShardWriter writer;
  writer.start(4, begin_checkpoint(root.path(), 4), "state-tp0-of-1.h5",
               []() -> std::vector<TensorRecord> { throw RuntimeError("snapshot failed"); });
  writer.wait_staged();  // does not hang
  const auto result = writer.wait();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->error, "snapshot failed");
}

TEST(BackgroundShardWriter, ThrowsWhenStartedBeforeThePreviousResultIsCollected) {
  TempRoot root;
  const std::string partial = begin_checkpoint(root.path(), 9);
  BackgroundShardWriter writer;
  start(writer, 9, partial, testing::sample_shards(9.0f)[0]);
  EXPECT_THROW(start(writer, 9, partial, testing::sample_shards(9.0f)[1]), RuntimeError);
  EXPECT_TRUE(writer.wait().has_value());
}

}  // namespace
}  // namespace vdit::checkpoints
