// Reading one rank's piece of a tensor straight from the stored pieces, whatever mesh wrote them,
// and opening a checkpoint without re-checking its checksums.
#include <gtest/gtest.h>

#include <filesystem>

#include "checkpoints/checkpoint_reader.h"
#include "checkpoints/checkpoint_writer.h"
#include "core/error.h"
#include "tests/checkpoints/test_checkpoints.h"

namespace vdit::checkpoints {
namespace {

using testing::TempRoot;

// Rows [offset, offset + rows) of each of `blocks` blocks along `dim` of the pattern tensor
// `global` (the layout a tensor-parallel rank stores and loads).
TensorRecord block_piece(const std::string& name, const std::vector<int64_t>& global, int64_t dim,
                         int64_t blocks, int64_t offset, int64_t rows, float seed) {
  const std::vector<float> full = testing::pattern(element_count(global), seed);
  const auto d = static_cast<size_t>(dim);
  const int64_t outer = element_count({global.begin(), global.begin() + dim}) * blocks;
  const int64_t inner = element_count({global.begin() + dim + 1, global.end()});
  const int64_t block_rows = global[d] / blocks;
  TensorRecord record;
  record.name = name;
  record.global_shape = global;
  record.split_dim = dim;
  record.split_blocks = blocks;
  record.offset = offset;
  record.shape = global;
  record.shape[d] = rows * blocks;
  for (int64_t block = 0; block < outer; ++block) {
    const auto first = full.begin() + (block * block_rows + offset) * inner;
    record.values.insert(record.values.end(), first, first + rows * inner);
  }
  return record;
}

PiecePlacement placement_of(const TensorRecord& record) {
  return {record.global_shape, record.split_dim, record.offset, record.shape, record.split_blocks};
}

LoadedCheckpoint save_and_open(const std::string& root, const std::vector<ShardFile>& shards) {
  return open_checkpoint(write_checkpoint(root, testing::sample_meta(1), shards));
}

// A fused [q | k | v] weight (3 blocks of 4 rows x 5) saved by tp = 2, loaded by tp = 4, 2 and 1.
TEST(ReadTensorPiece, ReadsEachRanksRowsOfEveryBlockWhenTheMeshChanges) {
  TempRoot root;
  const std::vector<int64_t> global{12, 5};
  const std::string qkv = "model/blocks.0.attn.qkv.weight";
  const LoadedCheckpoint loaded =
      save_and_open(root.path(), {{"tp0.h5", {block_piece(qkv, global, 0, 3, 0, 2, 1.0f)}},
                                  {"tp1.h5", {block_piece(qkv, global, 0, 3, 2, 2, 1.0f)}}});
  for (const int64_t tp : {4, 2}) {
    const int64_t rows = 4 / tp;
    for (int64_t rank = 0; rank < tp; ++rank) {
      const TensorRecord want = block_piece(qkv, global, 0, 3, rank * rows, rows, 1.0f);
      EXPECT_EQ(read_tensor_piece(loaded, qkv, placement_of(want)), want.values)
          << "tp " << tp << " rank " << rank;
    }
  }
  EXPECT_EQ(read_tensor_piece(loaded, qkv, {global, -1, 0, global, 1}), testing::pattern(60, 1.0f));
}

// Saved by tp = 3 along dim 1 (2 rows each), loaded by tp = 2 (3 rows each: rank 0 needs piece 0
// and half of piece 1).
TEST(ReadTensorPiece, JoinsPartsOfSeveralStoredPiecesWhenTheyStraddleTheWantedRows) {
  TempRoot root;
  const std::vector<int64_t> global{2, 6, 3};
  std::vector<ShardFile> shards;
  for (int64_t rank = 0; rank < 3; ++rank) {
    shards.push_back(
        {"tp" + std::to_string(rank) + ".h5", {block_piece("w", global, 1, 1, 2 * rank, 2, 2.0f)}});
  }
  const LoadedCheckpoint loaded = save_and_open(root.path(), shards);
  for (int64_t rank = 0; rank < 2; ++rank) {
    const TensorRecord want = block_piece("w", global, 1, 1, 3 * rank, 3, 2.0f);
    EXPECT_EQ(read_tensor_piece(loaded, "w", placement_of(want)), want.values) << rank;
  }
}

TEST(ReadTensorPiece, SlicesAWholeStoredTensorWithOneHyperslab) {
  TempRoot root;
  const std::vector<int64_t> global{3, 8};
  const LoadedCheckpoint loaded =
      save_and_open(root.path(), {{"tp0.h5", {testing::whole_tensor("proj", global, 3.0f)}}});
  const TensorRecord want = block_piece("proj", global, 1, 1, 4, 4, 3.0f);
  EXPECT_EQ(read_tensor_piece(loaded, "proj", placement_of(want)), want.values);
}

// Each worker used to read every piece of every tensor (and every file's CRC) before slicing.
TEST(ReadTensorPiece, ReadsNoFileThatHoldsNoneOfTheWantedRows) {
  TempRoot root;
  const std::vector<int64_t> global{4, 3};
  const LoadedCheckpoint loaded =
      save_and_open(root.path(), {{"tp0.h5", {block_piece("w", global, 0, 1, 0, 2, 4.0f)}},
                                  {"tp1.h5", {block_piece("w", global, 0, 1, 2, 2, 4.0f)}}});
  std::filesystem::remove(loaded.path + "/tp1.h5");  // rank 1's file is gone after the index
  const TensorRecord want = block_piece("w", global, 0, 1, 0, 2, 4.0f);
  EXPECT_EQ(read_tensor_piece(loaded, "w", placement_of(want)), want.values);
  EXPECT_THROW(read_full_tensor(loaded, "w"), InputError);
}

TEST(ReadTensorPiece, NamesTheStoredAndExpectedShapeWhenTheModelDiffers) {
  TempRoot root;
  const LoadedCheckpoint loaded = save_and_open(
      root.path(), {{"tp0.h5", {testing::whole_tensor("model/x_embedder.weight", {64, 48}, 1)}}});
  try {
    read_tensor_piece(loaded, "model/x_embedder.weight", {{96, 48}, -1, 0, {96, 48}, 1});
    ADD_FAILURE() << "no error";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what())
                  .find("tensor model/x_embedder.weight has shape 64x48, expected 96x48"),
              std::string::npos)
        << error.what();
  }
}

TEST(OpenCheckpoint, SkipsTheChecksumsButNotTheSizesWhenAskedNotToVerifyThem) {
  TempRoot root;
  const std::string folder = testing::save_sample(root.path(), 1);
  const std::string shard = folder + "/model-tp0-of-2.h5";
  // Damage a value, not HDF5's metadata: find the stored rows of the qkv piece in the file.
  const std::vector<float> rows = testing::sample_shards(1.0f)[0].tensors[0].values;
  const std::string bytes = testing::read_text(shard);
  const size_t at = bytes.find(
      std::string(reinterpret_cast<const char*>(rows.data()), rows.size() * sizeof(float)));
  ASSERT_NE(at, std::string::npos);
  testing::flip_byte(shard, static_cast<int64_t>(at + 5));
  EXPECT_THROW(open_checkpoint(folder), InputError);
  OpenOptions no_checksums;
  no_checksums.verify_checksums = false;
  EXPECT_NO_THROW(open_checkpoint(folder, no_checksums));
  testing::truncate_file(shard, testing::file_size(shard) - 1);
  EXPECT_THROW(open_checkpoint(folder, no_checksums), InputError);
}

}  // namespace
}  // namespace vdit::checkpoints
