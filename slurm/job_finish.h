// The end of one start of a training job (`vdit slurm finish`, the job script's last line): decide
// (requeue_decision.h), record it in the run folder, requeue or submit a continuation, log it.
#pragma once

#include <cstdint>
#include <string>

namespace vdit::slurm {

struct FinishRequest {
  std::string run_dir;
  int launcher_status = 0;  // srun's / mpirun's exit code: shown when the exit file is missing
  std::string exit_file;    // written by the coordinator's `vdit slurm task`
  int64_t chain = 0;
  std::string signal = "USR2";
  int64_t signal_lead_s = 120;
  int64_t max_requeues = 3;
};

// Reads the job's facts (SLURM_JOB_ID, SLURM_RESTART_COUNT, the end time from squeue or
// SLURM_JOB_END_TIME, the run folder's records), acts, prints "vdit slurm: ..." lines for the job
// log, and returns the exit code the batch script should end with.
int finish_job_start(const FinishRequest& request);

}  // namespace vdit::slurm
