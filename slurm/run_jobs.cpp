#include "slurm/run_jobs.h"

#include <set>

namespace vdit::slurm {

bool is_live_state(const std::string& state) {
  static const std::set<std::string> live = {
      "PENDING",     "RUNNING",      "CONFIGURING", "COMPLETING", "REQUEUED", "REQUEUE_HOLD",
      "REQUEUE_FED", "RESIZING",     "SUSPENDED",   "STOPPED",    "SIGNALING", "STAGE_OUT",
      "RESV_DEL_HOLD", "POWER_UP_NODE"};
  // A later Slurm joins flags ("RUNNING+COMPLETING"): live if any part is.
  size_t at = 0;
  while (at <= state.size()) {
    const size_t plus = state.find('+', at);
    if (live.count(state.substr(at, plus - at)) != 0) return true;
    if (plus == std::string::npos) break;
    at = plus + 1;
  }
  return false;
}

RunJobs query_run_jobs(const JobRecords& records) {
  RunJobs run;
  std::vector<int64_t> ids;
  for (const SubmittedJob& job : records.jobs()) {
    run.jobs.push_back({job, {}, ""});
    ids.push_back(job.job_id);
  }
  std::vector<int64_t> forgotten;
  const std::vector<JobInfo> known = query_jobs(ids);
  for (RunJob& job : run.jobs) {
    for (const JobInfo& info : known) {
      if (info.job_id == job.submitted.job_id) {
        job.info = info;
        job.source = "squeue";
      }
    }
    if (job.source.empty()) forgotten.push_back(job.submitted.job_id);
  }
  if (forgotten.empty()) return run;
  const auto accounted = query_accounting(forgotten);
  run.accounting = accounted.has_value();
  if (!accounted) return run;
  for (RunJob& job : run.jobs) {
    for (const JobInfo& info : *accounted) {
      if (job.source.empty() && info.job_id == job.submitted.job_id) {
        job.info = info;
        job.source = "sacct";
      }
    }
  }
  return run;
}

std::vector<int64_t> live_job_ids(const RunJobs& jobs) {
  std::vector<int64_t> ids;
  for (const RunJob& job : jobs.jobs) {
    if (job.source == "squeue" && is_live_state(job.info.state)) ids.push_back(job.submitted.job_id);
  }
  return ids;
}

}  // namespace vdit::slurm
