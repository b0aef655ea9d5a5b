// Finding the checkpoint to resume from when the newest one is damaged or incomplete.
#include "checkpoints/checkpoint_reader.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "checkpoints/checkpoint_writer.h"
#include "checkpoints/shard_file.h"
#include "core/error.h"
#include "tests/checkpoints/test_checkpoints.h"

namespace vdit::checkpoints {
namespace {

namespace fs = std::filesystem;
using testing::TempRoot;

bool mentions(const std::vector<std::string>& lines, const std::string& text) {
  for (const std::string& line : lines) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  return text;
}

TEST(FindLatestCheckpoint, ReturnsNulloptWhenRootHoldsNoCheckpoint) {
  TempRoot root;
  std::vector<std::string> warnings;
  EXPECT_FALSE(find_latest_checkpoint(root.path(), warnings).has_value());
  EXPECT_FALSE(find_latest_checkpoint(root / "does_not_exist", warnings).has_value());
  EXPECT_TRUE(warnings.empty());
}

TEST(FindLatestCheckpoint, FallsBackWhenOneByteOfAShardIsCorrupted) {
  TempRoot root;
  testing::save_sample(root.path(), 100);
  const std::string newest = testing::save_sample(root.path(), 200);
  testing::flip_byte(newest + "/model-tp1-of-2.h5",
                     testing::file_size(newest + "/model-tp1-of-2.h5") / 2);

  std::vector<std::string> warnings;
  const auto loaded = find_latest_checkpoint(root.path(), warnings);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->step, 100);
  EXPECT_EQ(read_full_tensor(*loaded, "model/final.bias"), testing::pattern(5, 100.0f));
  EXPECT_TRUE(mentions(warnings, "step_000000200")) << joined(warnings);
  EXPECT_TRUE(mentions(warnings, "model-tp1-of-2.h5")) << joined(warnings);
  EXPECT_TRUE(mentions(warnings, "CRC-32")) << joined(warnings);
}

TEST(FindLatestCheckpoint, FallsBackWhenAShardFileIsDeleted) {
  TempRoot root;
  testing::save_sample(root.path(), 100);
  const std::string newest = testing::save_sample(root.path(), 200);
  fs::remove(newest + "/model-tp0-of-2.h5");
  std::vector<std::string> warnings;
  const auto loaded = find_latest_checkpoint(root.path(), warnings);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->step, 100);
  EXPECT_TRUE(mentions(warnings, "model-tp0-of-2.h5 listed in the manifest is missing"))
      << joined(warnings);
}

TEST(FindLatestCheckpoint, FallsBackWhenManifestIsTruncated) {
  TempRoot root;
  testing::save_sample(root.path(), 100);
  const std::string newest = testing::save_sample(root.path(), 200);
  testing::truncate_file(newest + "/manifest.json", 40);
  std::vector<std::string> warnings;
  const auto loaded = find_latest_checkpoint(root.path(), warnings);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->step, 100);
  EXPECT_TRUE(mentions(warnings, "not valid JSON")) << joined(warnings);
}

TEST(FindLatestCheckpoint, NeverReturnsAPartialFolder) {
  TempRoot root;
  testing::save_sample(root.path(), 100);
  // A later save that died before its rename, even with every file and the manifest in place.
  const std::string complete = testing::save_sample(root.path(), 300);
  fs::rename(complete, root / "step_000000300.partial");
  testing::write_text(root / "latest", "step_000000100\n");
  std::vector<std::string> warnings;
  auto loaded = find_latest_checkpoint(root.path(), warnings);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->step, 100);
  // Without `latest` the scan still skips it.
  fs::remove(root / "latest");
  loaded = find_latest_checkpoint(root.path(), warnings);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->path, root / "step_000000100");
}

TEST(FindLatestCheckpoint, IgnoresAStepFolderNewerThanLatest) {
  TempRoot root;
  testing::save_sample(root.path(), 100);
  testing::save_sample(root.path(), 200);
  testing::write_text(root / "latest", "step_000000100\n");
  std::vector<std::string> warnings;
  const auto loaded = find_latest_checkpoint(root.path(), warnings);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->step, 100);
  EXPECT_TRUE(mentions(warnings, "newer than")) << joined(warnings);
}

TEST(FindLatestCheckpoint, ThrowsNamingEachFolderWhenNoneIsLoadable) {
  TempRoot root;
  const std::string first = testing::save_sample(root.path(), 100);
  const std::string second = testing::save_sample(root.path(), 200);
  fs::remove(first + "/manifest.json");
  testing::flip_byte(second + "/model-tp0-of-2.h5", -10);
  std::vector<std::string> warnings;
  try {
    find_latest_checkpoint(root.path(), warnings);
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("step_000000100: no manifest.json"), std::string::npos) << message;
    EXPECT_NE(message.find("step_000000200: file model-tp0-of-2.h5 has CRC-32"), std::string::npos)
        << message;
  }
}

TEST(OpenCheckpoint, ThrowsClearErrorWhenAShardIsTruncated) {
  TempRoot root;
  const std::string folder = testing::save_sample(root.path(), 100);
  const std::string shard = folder + "/model-tp0-of-2.h5";
  testing::truncate_file(shard, testing::file_size(shard) / 3);
  try {
    open_checkpoint(folder);
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("model-tp0-of-2.h5 has"), std::string::npos) << message;
    EXPECT_NE(message.find("truncated"), std::string::npos) << message;
  }
}

TEST(ReadShardIndex, ThrowsInputErrorNamingFileWhenHdf5IsTruncated) {
  // Beyond the manifest's size check: HDF5 itself must turn a cut file into an InputError.
  TempRoot root;
  const std::string path = root / "cut.h5";
  write_shard_file(path, testing::sample_shards(1.0f)[0].tensors);
  testing::truncate_file(path, testing::file_size(path) / 3);
  try {
    read_shard_index(path, "cut.h5");
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find(path), std::string::npos) << error.what();
  }
}

TEST(OpenCheckpoint, ThrowsWhenManifestStepDisagreesWithFolderName) {
  TempRoot root;
  const std::string folder = testing::save_sample(root.path(), 100);
  fs::rename(folder, root / "step_000000101");
  EXPECT_THROW(open_checkpoint(root / "step_000000101"), InputError);
}

}  // namespace
}  // namespace vdit::checkpoints
