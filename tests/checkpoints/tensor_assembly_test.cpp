// Reassembling tensors from the pieces that different meshes stored.
#include <gtest/gtest.h>

#include "checkpoints/checkpoint_reader.h"
#include "checkpoints/checkpoint_writer.h"
#include "core/error.h"
#include "tests/checkpoints/test_checkpoints.h"

namespace vdit::checkpoints {
namespace {

using testing::TempRoot;

LoadedCheckpoint save_and_open(const std::string& root, const std::vector<ShardFile>& shards) {
  return open_checkpoint(write_checkpoint(root, testing::sample_meta(1), shards));
}

TEST(ReadFullTensor, ReassemblesTwoShardsSplitAlongDim0) {
  TempRoot root;
  const LoadedCheckpoint loaded = save_and_open(root.path(), testing::sample_shards(9.0f));
  std::vector<int64_t> shape;
  EXPECT_EQ(read_full_tensor(loaded, "model/blocks.0.attn.qkv.weight", &shape),
            testing::pattern(24, 9.0f));
  EXPECT_EQ(shape, (std::vector<int64_t>{6, 4}));
}

TEST(ReadFullTensor, ReassemblesUnevenShardsSplitAlongDim1) {
  TempRoot root;
  // A [2, 5, 3] tensor cut along dim 1 into [0, 2) and [2, 5), stored in reverse file order.
  const std::vector<int64_t> global{2, 5, 3};
  const LoadedCheckpoint loaded =
      save_and_open(root.path(), {{"a.h5", {testing::piece_of("w", global, 1, 2, 3, 4.0f)}},
                                  {"b.h5", {testing::piece_of("w", global, 1, 0, 2, 4.0f)}}});
  EXPECT_EQ(read_full_tensor(loaded, "w"), testing::pattern(30, 4.0f));
}

// A fused [q | k | v] weight of 3 blocks x 2 rows x 2 cols, cut per block over 2 tensor-parallel
// ranks: rank r holds row r of every block (rows r, 2 + r, 4 + r of the whole tensor).
TensorRecord fused_piece(int64_t rank) {
  const std::vector<float> full = testing::pattern(12, 3.0f);
  TensorRecord record;
  record.name = "model/blocks.0.attn.qkv.weight";
  record.global_shape = {6, 2};
  record.split_dim = 0;
  record.split_blocks = 3;
  record.offset = rank;
  record.shape = {3, 2};
  for (int64_t block = 0; block < 3; ++block) {
    const int64_t row = 2 * block + rank;
    record.values.insert(record.values.end(), full.begin() + row * 2, full.begin() + row * 2 + 2);
  }
  return record;
}

TEST(ReadFullTensor, ReassemblesFusedBlocksSplitPerBlock) {
  TempRoot root;
  const LoadedCheckpoint loaded =
      save_and_open(root.path(), {{"tp1.h5", {fused_piece(1)}}, {"tp0.h5", {fused_piece(0)}}});
  std::vector<int64_t> shape;
  EXPECT_EQ(read_full_tensor(loaded, "model/blocks.0.attn.qkv.weight", &shape),
            testing::pattern(12, 3.0f));
  EXPECT_EQ(shape, (std::vector<int64_t>{6, 2}));
}

TEST(OpenCheckpoint, ThrowsWhenPiecesDisagreeOnSplitBlocks) {
  TempRoot root;
  TensorRecord plain = testing::piece_of("model/blocks.0.attn.qkv.weight", {6, 2}, 0, 3, 3, 3.0f);
  const std::string folder = write_checkpoint(root.path(), testing::sample_meta(1),
                                              {{"tp0.h5", {fused_piece(0)}}, {"tp1.h5", {plain}}});
  EXPECT_THROW(open_checkpoint(folder), InputError);
}

TEST(WriteCheckpoint, ThrowsWhenSplitBlocksDoNotDivideThePiece) {
  TempRoot root;
  TensorRecord piece = fused_piece(0);
  piece.split_blocks = 2;  // 3 rows cannot be 2 equal blocks
  EXPECT_THROW(write_checkpoint(root.path(), testing::sample_meta(1), {{"tp0.h5", {piece}}}),
               RuntimeError);
}

TEST(ReadFullTensor, UsesOneCopyWhenPiecesAreReplicated) {
  TempRoot root;
  // Two data-parallel replicas of each of two TP pieces, as optim-dp{0,1}-tp{0,1} would hold.
  const std::vector<int64_t> global{4, 2};
  std::vector<ShardFile> shards;
  for (int dp = 0; dp < 2; ++dp) {
    for (int tp = 0; tp < 2; ++tp) {
      shards.push_back({"optim-dp" + std::to_string(dp) + "-tp" + std::to_string(tp) + ".h5",
                        {testing::piece_of("optim/exp_avg/w", global, 0, 2 * tp, 2, 2.0f)}});
    }
  }
  const LoadedCheckpoint loaded = save_and_open(root.path(), shards);
  EXPECT_EQ(read_full_tensor(loaded, "optim/exp_avg/w"), testing::pattern(8, 2.0f));
}

TEST(OpenCheckpoint, ThrowsNamingTensorWhenAShardPieceIsMissing) {
  TempRoot root;
  // Only TP rank 0 of 2 saved its half.
  const std::vector<ShardFile> shards{
      {"model-tp0-of-2.h5", {testing::piece_of("w", {6, 4}, 0, 0, 3, 1.0f)}}};
  const std::string folder = write_checkpoint(root.path(), testing::sample_meta(1), shards);
  try {
    open_checkpoint(folder);
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("'w'"), std::string::npos) << message;
    EXPECT_NE(message.find("[0, 3)"), std::string::npos) << message;
  }
}

TEST(OpenCheckpoint, ThrowsWhenPiecesOverlap) {
  TempRoot root;
  const std::vector<ShardFile> shards{{"a.h5", {testing::piece_of("w", {6, 4}, 0, 0, 4, 1.0f)}},
                                      {"b.h5", {testing::piece_of("w", {6, 4}, 0, 3, 3, 1.0f)}}};
  const std::string folder = write_checkpoint(root.path(), testing::sample_meta(1), shards);
  EXPECT_THROW(open_checkpoint(folder), InputError);
}

TEST(ReadFullTensor, ThrowsNamingTheTensorWhenNameIsUnknown) {
  TempRoot root;
  const LoadedCheckpoint loaded = save_and_open(root.path(), testing::sample_shards(1.0f));
  try {
    read_full_tensor(loaded, "model/nope");
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("model/nope"), std::string::npos);
  }
}

TEST(ListTensors, ReportsEveryTensorOnceWithItsGlobalShape) {
  TempRoot root;
  const LoadedCheckpoint loaded = save_and_open(root.path(), testing::sample_shards(1.0f));
  const auto listing = list_tensors(loaded);
  ASSERT_EQ(listing.size(), 3u);
  EXPECT_EQ(listing[0].first, "ema/proj");
  EXPECT_EQ(listing[0].second, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(listing[1].first, "model/blocks.0.attn.qkv.weight");
  EXPECT_EQ(listing[1].second, (std::vector<int64_t>{6, 4}));
  EXPECT_EQ(listing[2].first, "model/final.bias");
}

TEST(WriteCheckpoint, ThrowsWhenPieceLiesOutsideGlobalShape) {
  TempRoot root;
  TensorRecord bad = testing::piece_of("w", {6, 4}, 0, 3, 3, 1.0f);
  bad.offset = 4;
  EXPECT_THROW(write_checkpoint(root.path(), testing::sample_meta(1), {{"a.h5", {bad}}}),
               RuntimeError);
}

}  // namespace
}  // namespace vdit::checkpoints
