// What a job does when its training step ends: nothing (finished, failed, cancelled), requeue, or
// stop because the time-limit budget is spent. Pure: the facts come in, the decision goes out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace vdit::slurm {

// Slurm checks warning times on a 30 s tick and may send --signal up to 60 s before the asked
// lead (sbatch(1)): a signal this much earlier than the lead still belongs to the time limit.
inline constexpr int64_t kSignalSlackSeconds = 60;

struct StopFacts {
  int exit_code = 0;              // the coordinator's (75 = saved and stopped on a signal)
  bool cancel_requested = false;  // `vdit cancel` (or scancel) ended this job
  std::optional<int64_t> end_time;  // Unix seconds the time limit ends the job; nullopt = none
  int64_t stop_time = 0;            // when the stop signal came (or, unknown, when the run ended)
  int64_t signal_lead_s = 120;
  int64_t max_requeues = 3;
  int64_t counted_so_far = 0;  // time-limit requeues already spent in this chain
};

enum class Outcome { kFinished, kFailed, kCancelled, kRequeue, kBudgetSpent };

struct StopDecision {
  Outcome outcome = Outcome::kFinished;
  bool time_limit = false;  // the stop was the time-limit warning (else a preemption)
  bool counted = false;     // counts against max_requeues
  int job_exit_code = 0;    // what the batch script exits with
  std::string message;      // one line for the job log
};

// The name events.jsonl and status use: finished, failed, cancelled, requeue, budget-spent.
const char* outcome_name(Outcome outcome);

// A stop (exit 75) is a time limit when it came within signal_lead + kSignalSlackSeconds of the end
// time, else a preemption. Time limits count; when max_requeues are spent the job ends instead.
StopDecision decide_after_stop(const StopFacts& facts);

}  // namespace vdit::slurm
