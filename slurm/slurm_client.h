// The Slurm commands vdit uses (sbatch, squeue, scontrol, scancel, sacct), with their output parsed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "slurm/command_runner.h"

namespace vdit::slurm {

// One job as squeue (or sacct) reports it.
struct JobInfo {
  int64_t job_id = 0;
  std::string name;
  std::string state;   // RUNNING, PENDING, COMPLETED, ... (several joined by '+')
  std::string reason;  // why pending: BeginTime, Dependency, ... ("None" when running)
  int64_t restarts = 0;
  int64_t submit_time = 0;  // Unix seconds; 0 = not known
  int64_t start_time = 0;
  int64_t end_time = 0;          // for a running job: when its time limit ends it
  int64_t time_limit_min = 0;    // 0 = unlimited or not known
  std::string elapsed;           // HH:MM:SS from sacct; empty when computed from the times
};

// `squeue --json` text -> jobs. Reads Slurm 22.05's layout (openapi v0.0.38: plain numbers and
// strings) and the later one (numbers as {"set", "number"}, states as arrays). InputError-free:
// RuntimeError naming squeue when the text is not that JSON.
std::vector<JobInfo> parse_squeue_json(const std::string& text);

// `sacct -n -P -X -o JobIDRaw,JobName,State,Elapsed,Reason` lines -> jobs.
std::vector<JobInfo> parse_sacct_lines(const std::string& text);

// Elapsed time of a job from its times: start -> end (if it ended) or now; "" if it never started.
std::string elapsed_of(const JobInfo& job, int64_t now);

// sbatch --parsable's answer ("1234" or "1234;cluster") -> the job id; nullopt if not that.
std::optional<int64_t> parse_sbatch_job_id(const std::string& out);

// Every job Slurm still knows about (squeue keeps finished ones for MinJobAge, 300 s by default)
// among `job_ids`. squeue 22.05 ignores job filters with --json, so filtering happens here.
std::vector<JobInfo> query_jobs(const std::vector<int64_t>& job_ids);

// Finished jobs from sacct; nullopt when accounting is off (sacct says so) or sacct is missing.
std::optional<std::vector<JobInfo>> query_accounting(const std::vector<int64_t>& job_ids);

// `sbatch --parsable [extra_args] script` in working_dir (the job's working folder, where its log
// lands), with `environment` changes; throws RuntimeError with sbatch's own message.
int64_t submit_batch(const std::string& script, const std::string& working_dir,
                     const std::vector<std::string>& extra_args,
                     const std::map<std::string, std::optional<std::string>>& environment = {});

}  // namespace vdit::slurm
