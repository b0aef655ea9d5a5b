// The run folder's job records: counting time-limit requeues per chain, surviving torn lines.
#include "slurm/job_records.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace vdit::slurm {
namespace {

namespace fs = std::filesystem;

class JobRecordsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("vdit_records_" + std::to_string(getpid()));
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

JobEvent stop(int64_t job_id, int64_t start, int64_t chain, bool counted) {
  JobEvent event;
  event.job_id = job_id;
  event.start = start;
  event.chain = chain;
  event.outcome = "requeue";
  event.counted = counted;
  return event;
}

TEST_F(JobRecordsTest, CountsEachTimeLimitStartOncePerChain) {
  const JobRecords records(root_.string());
  records.append_event(stop(10, 0, 10, true));
  records.append_event(stop(10, 0, 10, true));   // the same start recorded twice
  records.append_event(stop(10, 1, 10, false));  // a preemption
  records.append_event(stop(11, 0, 10, true));   // a continuation of chain 10
  records.append_event(stop(20, 0, 20, true));   // another submission
  EXPECT_EQ(records.counted_requeues(10), 2);
  EXPECT_EQ(records.counted_requeues(20), 1);
  EXPECT_EQ(records.counted_requeues(30), 0);
}

TEST_F(JobRecordsTest, SkipsATornLastLine) {
  const JobRecords records(root_.string());
  SubmittedJob job;
  job.job_id = 7;
  job.chain = 7;
  records.append_job(job);
  std::ofstream(records.jobs_path(), std::ios::app) << "{\"job_id\": 8, \"ch";
  ASSERT_EQ(records.jobs().size(), 1u);
  EXPECT_EQ(records.jobs().front().job_id, 7);
}

TEST_F(JobRecordsTest, RemembersCancelledJobs) {
  const JobRecords records(root_.string());
  EXPECT_TRUE(records.cancelled().empty());
  records.mark_cancelled({5, 6});
  EXPECT_EQ(records.cancelled(), (std::set<int64_t>{5, 6}));
}

TEST(Sha256, MatchesTheKnownDigestOfAbc) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace vdit::slurm
