// The coordinator's save bookkeeping: a checkpoint commits once every writer reported its shard,
// whenever those reports arrive, and a failed write leaves `latest` on the previous checkpoint.
#include "orchestrator/checkpoint_saves.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "checkpoints/checkpoint_reader.h"
#include "core/error.h"
#include "core/log.h"

namespace vdit::orchestrator {
namespace {

namespace fs = std::filesystem;

class CheckpointSavesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("vdit_saves_" + std::to_string(::getpid()));
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  // What tp rank `rank` of 2 reports after writing its shard of `step` into `partial`.
  static control::WorkReport shard_report(const std::string& partial, int64_t step, int rank) {
    checkpoints::TensorRecord piece;
    piece.name = "model/w";
    piece.global_shape = {2, 3};
    piece.split_dim = 0;
    piece.offset = rank;
    piece.shape = {1, 3};
    piece.values = {1.0f * rank, 2, 3};
    const auto file = checkpoints::write_shard_into(
        partial, {"state-tp" + std::to_string(rank) + "-of-2.h5", {piece}});
    control::WorkReport report;
    report.worker_rank = rank;
    report.saved_step = step;
    std::snprintf(report.saved_file, sizeof(report.saved_file), "%s", file.name.c_str());
    report.saved_size = file.size;
    report.saved_crc32 = file.crc32;
    return report;
  }
  static checkpoints::CheckpointMeta meta(int64_t step) {
    checkpoints::CheckpointMeta meta;
    meta.step = step;
    return meta;
  }
  int64_t latest_step() const {
    std::vector<std::string> warnings;
    const auto found = checkpoints::find_latest_checkpoint(root_.string(), warnings);
    return found ? found->step : -1;
  }

  fs::path root_;
};

TEST_F(CheckpointSavesTest, CommitsOnceEveryWriterReportedEvenAcrossSteps) {
  CheckpointSaves saves(root_.string(), 2, 3, 0);
  const std::string partial = saves.begin(4);
  saves.describe(meta(4));
  saves.absorb({shard_report(partial, 4, 0), control::WorkReport{}});
  EXPECT_TRUE(saves.in_flight());  // tp rank 1's write is still running
  EXPECT_EQ(latest_step(), -1);
  saves.absorb({control::WorkReport{}, shard_report(partial, 4, 1)});
  EXPECT_FALSE(saves.in_flight());
  EXPECT_EQ(saves.last_committed_step(), 4);
  EXPECT_EQ(latest_step(), 4);
}

TEST_F(CheckpointSavesTest, FailedWriteKeepsThePreviousLatestAndRemovesThePartialFolder) {
  CheckpointSaves saves(root_.string(), 2, 3, 0);
  std::string partial = saves.begin(2);
  saves.describe(meta(2));
  saves.absorb({shard_report(partial, 2, 0), shard_report(partial, 2, 1)});
  ASSERT_EQ(latest_step(), 2);

  partial = saves.begin(4);
  saves.describe(meta(4));
  control::WorkReport failed;
  failed.worker_rank = 1;
  failed.saved_step = 4;
  std::snprintf(failed.save_error, sizeof(failed.save_error), "disk full");
  std::ostringstream log;
  {
    const ScopedLogStream capture(log, 0, LogLevel::kInfo);
    saves.absorb({shard_report(partial, 4, 0), failed});
  }
  const std::string output = log.str();
  EXPECT_NE(output.find("step 4 NOT saved (worker 1: disk full)"), std::string::npos) << output;
  EXPECT_NE(output.find("still names step 2"), std::string::npos) << output;
  EXPECT_FALSE(saves.in_flight());
  EXPECT_EQ(saves.last_committed_step(), 2);
  EXPECT_EQ(latest_step(), 2);
  EXPECT_FALSE(fs::exists(partial));
}

TEST_F(CheckpointSavesTest, ThrowsWhenASecondSaveBeginsWhileOneIsInFlight) {
  CheckpointSaves saves(root_.string(), 2, 3, 0);
  saves.begin(2);
  EXPECT_THROW(saves.begin(4), RuntimeError);
}

TEST_F(CheckpointSavesTest, ThrowsWhenAReportNamesAnotherStep) {
  CheckpointSaves saves(root_.string(), 2, 3, 0);
  const std::string partial = saves.begin(6);
  saves.describe(meta(6));
  EXPECT_THROW(saves.absorb({shard_report(partial, 5, 0)}), RuntimeError);
}

}  // namespace
}  // namespace vdit::orchestrator
