// A checkpoint shard written in pieces reads back exactly, and the write leaves HDF5 free for
// other threads between its pieces.
#include "checkpoints/shard_file.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "tests/checkpoints/test_checkpoints.h"

namespace vdit::checkpoints {
namespace {

using testing::TempRoot;

std::vector<float> read_back(const std::string& path, const std::string& name) {
  for (const StoredPiece& piece : read_shard_index(path, "shard.h5")) {
    if (piece.name == name) return read_piece_values(path, piece);
  }
  ADD_FAILURE() << name << " is not in " << path;
  return {};
}

TEST(WriteShardFile, RoundTripsEveryValueWhenTensorsSpanManyPieces) {
  TempRoot root;
  const std::vector<TensorRecord> tensors{
      testing::whole_tensor("model/matrix", {37, 11},
                            1.0f),  // rows of 44 bytes: 5 pieces of <= 9 rows
      testing::whole_tensor("model/volume", {5, 3, 7},
                            2.0f),  // rows of 84 bytes: 2 pieces of <= 4 rows
      testing::whole_tensor("model/vector", {1001}, 3.0f),      // 1-D: 100 values per piece
      testing::whole_tensor("model/wide", {2, 500}, 4.0f),      // rows larger than a piece
      testing::whole_tensor("optim/step", {}, 5.0f),            // scalar
      testing::piece_of("model/split", {8, 30}, 0, 4, 4, 6.0f)  // a tensor-parallel piece
  };
  const std::string path = root / "shard.h5";
  write_shard_file(path, tensors, /*piece_bytes=*/400);
  for (const TensorRecord& tensor : tensors) {
    EXPECT_EQ(read_back(path, tensor.name), tensor.values) << tensor.name;
  }
}

// The shard write used to hold a project-wide mutex that every HDF5 read also took, so no read of
// any other file finished while a checkpoint was being written (the data loader stalled for the
// whole save). Now the write takes no lock of its own and releases HDF5 between its pieces.
TEST(WriteShardFile, LetsOtherThreadsReadHdf5WhileItWrites) {
  TempRoot root;
  const std::string small = root / "small.h5";
  write_shard_file(small, {testing::whole_tensor("model/bias", {16}, 1.0f)});
  const StoredPiece piece = read_shard_index(small, "small.h5").front();
  // 64 MB in 16 pieces: long enough (tens of ms) for reads of the small file to land inside.
  std::vector<TensorRecord> state;
  for (int i = 0; i < 8; ++i) {
    state.push_back(testing::whole_tensor("model/w" + std::to_string(i), {2048, 1024}, 1.0f));
  }
  using Clock = std::chrono::steady_clock;
  std::atomic<bool> done{false};
  std::vector<Clock::time_point> reads;
  std::thread reader([&] {
    while (!done.load()) {
      read_piece_values(small, piece);
      reads.push_back(Clock::now());
    }
  });
  const auto write_start = Clock::now();
  write_shard_file(root / "big.h5", state);
  const auto write_end = Clock::now();
  done = true;
  reader.join();
  int64_t inside = 0;
  for (const auto& read : reads) inside += read > write_start && read < write_end;
  // With a lock across the write at most one read (the one holding it when the write began)
  // could finish inside it.
  EXPECT_GE(inside, 3) << reads.size() << " reads in all, the write took "
                       << std::chrono::duration<double>(write_end - write_start).count() << " s";
}

}  // namespace
}  // namespace vdit::checkpoints
