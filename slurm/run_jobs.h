// The Slurm jobs of one run folder as Slurm sees them now: for `vdit status` and `vdit cancel`.
#pragma once

#include <string>
#include <vector>

#include "slurm/job_records.h"
#include "slurm/slurm_client.h"

namespace vdit::slurm {

struct RunJob {
  SubmittedJob submitted;
  JobInfo info;        // what Slurm said; info.state empty when it no longer knows the job
  std::string source;  // "squeue", "sacct" or "" (forgotten: finished before MinJobAge, no sacct)
};

struct RunJobs {
  std::vector<RunJob> jobs;  // in submission order
  bool accounting = false;   // sacct answered
};

// A state in which the job may still run (pending, running, requeued, suspended, ...).
bool is_live_state(const std::string& state);

// Every job the run folder recorded, with squeue's view, and sacct's for jobs squeue forgot
// (only where accounting is on). RuntimeError if squeue itself fails.
RunJobs query_run_jobs(const JobRecords& records);

// The ids among `jobs` that are live.
std::vector<int64_t> live_job_ids(const RunJobs& jobs);

}  // namespace vdit::slurm
