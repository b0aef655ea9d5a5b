// Parsing what sbatch, squeue and sacct print.
#include "slurm/slurm_client.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace vdit::slurm {
namespace {

TEST(SlurmClient, ReadsSbatchParsableJobIds) {
  EXPECT_EQ(parse_sbatch_job_id("1234\n"), 1234);
  EXPECT_EQ(parse_sbatch_job_id("77;cluster-a\n"), 77);
  EXPECT_EQ(parse_sbatch_job_id("sbatch: error: invalid partition\n"), std::nullopt);
  EXPECT_EQ(parse_sbatch_job_id(""), std::nullopt);
}

TEST(SlurmClient, ReadsSqueueJsonOfSlurm2205) {
  const std::string text = R"({"meta": {}, "errors": [], "jobs": [
      {"job_id": 12, "name": "vdit-run", "job_state": "PENDING", "state_reason": "BeginTime",
       "restart_cnt": 1, "submit_time": 100, "start_time": 400, "end_time": 460, "time_limit": 1},
      {"job_id": 13, "name": "other", "job_state": "RUNNING", "state_reason": "None",
       "restart_cnt": 0, "start_time": 50, "end_time": 0, "time_limit": null}]})";
  const auto jobs = parse_squeue_json(text);
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].job_id, 12);
  EXPECT_EQ(jobs[0].state, "PENDING");
  EXPECT_EQ(jobs[0].reason, "BeginTime");
  EXPECT_EQ(jobs[0].restarts, 1);
  EXPECT_EQ(jobs[0].end_time, 460);
  EXPECT_EQ(jobs[0].time_limit_min, 1);
  EXPECT_EQ(jobs[1].time_limit_min, 0);
}

TEST(SlurmClient, ReadsSqueueJsonOfLaterSlurm) {
  const std::string text = R"({"jobs": [{"job_id": 5, "job_state": ["RUNNING", "REQUEUED"],
      "end_time": {"set": true, "infinite": false, "number": 999},
      "time_limit": {"set": false, "infinite": true, "number": 0}}]})";
  const auto jobs = parse_squeue_json(text);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].state, "RUNNING+REQUEUED");
  EXPECT_EQ(jobs[0].end_time, 999);
  EXPECT_EQ(jobs[0].time_limit_min, 0);
}

TEST(SlurmClient, RefusesSqueueOutputThatIsNotItsJson) {
  EXPECT_THROW(parse_squeue_json("squeue: error: Unable to contact slurm controller"),
               RuntimeError);
}

TEST(SlurmClient, ReadsSacctParsableLines) {
  const auto jobs = parse_sacct_lines("41|vdit-a|COMPLETED|00:03:10|None\n42|vdit-a|TIMEOUT|01:00:00|\n");
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].job_id, 41);
  EXPECT_EQ(jobs[1].state, "TIMEOUT");
  EXPECT_EQ(elapsed_of(jobs[1], 0), "01:00:00");
}

TEST(SlurmClient, ElapsedCountsFromTheStartToNowWhileRunning) {
  JobInfo job;
  job.state = "RUNNING";
  job.start_time = 1000;
  job.end_time = 5000;  // the time-limit end, not an end that happened
  EXPECT_EQ(elapsed_of(job, 1000 + 3725), "01:02:05");
  job.state = "COMPLETED";
  job.end_time = 1010;
  EXPECT_EQ(elapsed_of(job, 9999), "00:00:10");
  job.state = "PENDING";
  job.start_time = 0;
  EXPECT_EQ(elapsed_of(job, 9999), "");
}

}  // namespace
}  // namespace vdit::slurm
