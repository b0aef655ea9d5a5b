// Saving a checkpoint and reading it back: values, metadata, manifest, `latest`, leftovers.
#include <gtest/gtest.h>

#include <filesystem>

#include "checkpoints/checkpoint_layout.h"
#include "checkpoints/checkpoint_reader.h"
#include "checkpoints/checkpoint_writer.h"
#include "checkpoints/manifest.h"
#include "core/error.h"
#include "tests/checkpoints/test_checkpoints.h"

namespace vdit::checkpoints {
namespace {

namespace fs = std::filesystem;
using testing::TempRoot;

TEST(WriteCheckpoint, RoundTripsTensorsStateAndConfig) {
  TempRoot root;
  TensorRecord scalar = testing::whole_tensor("optim/step", {}, 3.0f);
  TensorRecord empty = testing::whole_tensor("model/unused", {0, 4}, 1.0f);
  const std::vector<ShardFile> shards{
      {"model-tp0-of-1.h5",
       {testing::whole_tensor("model/blocks.0.attn.qkv.weight", {4, 3, 2}, 7.0f), scalar, empty}}};
  const std::string folder = write_checkpoint(root.path(), testing::sample_meta(7), shards);
  EXPECT_EQ(folder, root / "step_000000007");

  std::vector<std::string> warnings;
  const std::optional<LoadedCheckpoint> loaded = find_latest_checkpoint(root.path(), warnings);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ(loaded->path, folder);
  EXPECT_EQ(loaded->step, 7);
  EXPECT_EQ(loaded->state_json, "{\"samples_consumed\":56,\"stage\":\"warmup\"}");
  EXPECT_EQ(loaded->config_toml, "[training]\nsteps = 1000\n");

  std::vector<int64_t> shape;
  EXPECT_EQ(read_full_tensor(*loaded, "model/blocks.0.attn.qkv.weight", &shape),
            shards[0].tensors[0].values);
  EXPECT_EQ(shape, (std::vector<int64_t>{4, 3, 2}));
  EXPECT_EQ(read_full_tensor(*loaded, "optim/step", &shape), scalar.values);
  EXPECT_TRUE(shape.empty());
  EXPECT_TRUE(read_full_tensor(*loaded, "model/unused", &shape).empty());
  EXPECT_EQ(shape, (std::vector<int64_t>{0, 4}));
}

TEST(WriteCheckpoint, ManifestListsEveryFileWithSizeAndCrc) {
  TempRoot root;
  const std::string folder = testing::save_sample(root.path(), 12);
  const std::string manifest_path = folder + "/manifest.json";
  const Manifest manifest = parse_manifest(testing::read_text(manifest_path), manifest_path);
  EXPECT_EQ(manifest.step, 12);
  ASSERT_EQ(manifest.files.size(), 2u);
  EXPECT_EQ(manifest.files[0].name, "model-tp0-of-2.h5");
  EXPECT_EQ(manifest.files[0].size, testing::file_size(folder + "/model-tp0-of-2.h5"));
  EXPECT_NE(testing::read_text(manifest_path).find("\"format\": \"vdit-checkpoint\""),
            std::string::npos);
}

TEST(WriteCheckpoint, LatestNamesNewestStepWhenSavedTwice) {
  TempRoot root;
  testing::save_sample(root.path(), 100);
  testing::save_sample(root.path(), 200);
  EXPECT_EQ(testing::read_text(root / "latest"), "step_000000200\n");
  std::vector<std::string> warnings;
  const auto loaded = find_latest_checkpoint(root.path(), warnings);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->step, 200);
  EXPECT_EQ(read_full_tensor(*loaded, "model/final.bias"), testing::pattern(5, 200.0f));
  EXPECT_FALSE(fs::exists(root / "latest.tmp"));
}

TEST(WriteCheckpoint, ReplacesFolderWhenSameStepIsSavedAgain) {
  TempRoot root;
  testing::save_sample(root.path(), 100);
  CheckpointMeta meta = testing::sample_meta(100);
  meta.json_state = "{\"again\":true}";
  write_checkpoint(root.path(), meta, testing::sample_shards(5.0f));
  std::vector<std::string> warnings;
  const auto loaded = find_latest_checkpoint(root.path(), warnings);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->state_json, "{\"again\":true}");
  EXPECT_EQ(read_full_tensor(*loaded, "model/final.bias"), testing::pattern(5, 5.0f));
  EXPECT_FALSE(fs::exists(root / "step_000000100.deleting"));
}

TEST(WriteCheckpoint, RemovesLeftoverPartialFolderWhenSaving) {
  TempRoot root;
  fs::create_directories(root / "step_000000050.partial");
  testing::write_text(root / "step_000000050.partial/model-tp0-of-2.h5", "half");
  testing::save_sample(root.path(), 60);
  EXPECT_FALSE(fs::exists(root / "step_000000050.partial"));
  EXPECT_TRUE(fs::exists(root / "step_000000060"));
}

TEST(WriteCheckpoint, ThrowsAndKeepsLatestWhenValuesDoNotMatchShape) {
  TempRoot root;
  testing::save_sample(root.path(), 100);
  std::vector<ShardFile> shards = testing::sample_shards(200.0f);
  shards[1].tensors[0].values.pop_back();
  try {
    write_checkpoint(root.path(), testing::sample_meta(200), shards);
    FAIL() << "expected RuntimeError";
  } catch (const RuntimeError& error) {
    EXPECT_NE(std::string(error.what()).find("model/blocks.0.attn.qkv.weight"), std::string::npos)
        << error.what();
  }
  EXPECT_FALSE(fs::exists(root / "step_000000200.partial"));
  EXPECT_FALSE(fs::exists(root / "step_000000200"));
  EXPECT_EQ(testing::read_text(root / "latest"), "step_000000100\n");
}

TEST(WriteCheckpoint, ThrowsWhenStateIsNotAJsonObject) {
  TempRoot root;
  CheckpointMeta meta = testing::sample_meta(1);
  meta.json_state = "[1, 2";
  EXPECT_THROW(write_checkpoint(root.path(), meta, testing::sample_shards(1.0f)), RuntimeError);
  EXPECT_FALSE(fs::exists(root / "step_000000001.partial"));
}

TEST(CommitCheckpoint, CommitsFilesThatRanksWroteSeparately) {
  TempRoot root;
  const std::string partial = begin_checkpoint(root.path(), 40);
  EXPECT_EQ(partial, root / "step_000000040.partial");
  std::vector<ManifestFile> gathered;  // what the coordinator would gather from each rank
  for (const ShardFile& shard : testing::sample_shards(40.0f)) {
    gathered.push_back(write_shard_into(partial, shard));
  }
  const std::string folder = commit_checkpoint(root.path(), testing::sample_meta(40), gathered);
  const LoadedCheckpoint loaded = open_checkpoint(folder);
  EXPECT_EQ(read_full_tensor(loaded, "model/blocks.0.attn.qkv.weight"),
            testing::pattern(24, 40.0f));
  EXPECT_EQ(testing::read_text(root / "latest"), "step_000000040\n");
}

TEST(CommitCheckpoint, ThrowsWithoutRenamingWhenARankFileIsMissing) {
  TempRoot root;
  const std::string partial = begin_checkpoint(root.path(), 40);
  const ManifestFile written = write_shard_into(partial, testing::sample_shards(40.0f)[0]);
  const ManifestFile never_written{"model-tp1-of-2.h5", 100, 0};
  EXPECT_THROW(commit_checkpoint(root.path(), testing::sample_meta(40), {written, never_written}),
               RuntimeError);
  EXPECT_FALSE(fs::exists(root / "step_000000040"));
  EXPECT_FALSE(fs::exists(root / "latest"));
  abort_checkpoint(root.path(), 40);
  EXPECT_FALSE(fs::exists(partial));
}

TEST(StepFolderName, PadsToNineDigitsAndParsesBack) {
  EXPECT_EQ(step_folder_name(1200), "step_000001200");
  EXPECT_EQ(parse_step_folder_name("step_000001200"), 1200);
  EXPECT_EQ(parse_step_folder_name("step_1234567890"), 1234567890);
  EXPECT_FALSE(parse_step_folder_name("step_000001200.partial").has_value());
  EXPECT_FALSE(parse_step_folder_name("step_12").has_value());
}

}  // namespace
}  // namespace vdit::checkpoints
