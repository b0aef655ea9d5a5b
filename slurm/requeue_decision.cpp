#include "slurm/requeue_decision.h"

#include <fmt/core.h>

#include "core/error.h"

namespace vdit::slurm {

const char* outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::kFinished:
      return "finished";
    case Outcome::kFailed:
      return "failed";
    case Outcome::kCancelled:
      return "cancelled";
    case Outcome::kRequeue:
      return "requeue";
    case Outcome::kBudgetSpent:
      return "budget-spent";
  }
  return "unknown";
}

StopDecision decide_after_stop(const StopFacts& facts) {
  StopDecision decision;
  decision.job_exit_code = facts.exit_code;
  if (facts.exit_code == kExitOk) {
    decision.outcome = Outcome::kFinished;
    decision.message = "the run finished: nothing to requeue";
    return decision;
  }
  if (facts.exit_code != kExitRequeue) {
    decision.outcome = Outcome::kFailed;
    decision.message = fmt::format(
        "the run failed (exit code {}): not requeued; fix the cause (see above), then `vdit "
        "submit` again resumes from the latest checkpoint",
        facts.exit_code);
    return decision;
  }
  if (facts.cancel_requested) {
    decision.outcome = Outcome::kCancelled;
    decision.job_exit_code = kExitOk;
    decision.message = "the run saved and stopped because it was cancelled: not requeued";
    return decision;
  }
  const int64_t window = facts.signal_lead_s + kSignalSlackSeconds;
  decision.time_limit = facts.end_time && *facts.end_time - facts.stop_time <= window;
  decision.counted = decision.time_limit;
  const std::string before_end =
      facts.end_time ? fmt::format("{} s before the time limit", *facts.end_time - facts.stop_time)
                     : std::string("with no time limit");
  if (!decision.time_limit) {
    decision.outcome = Outcome::kRequeue;
    decision.message = fmt::format(
        "stopped {} (more than --signal-lead {} + {} s): a preemption, requeued without "
        "counting",
        before_end, facts.signal_lead_s, kSignalSlackSeconds);
    return decision;
  }
  if (facts.counted_so_far >= facts.max_requeues) {
    decision.outcome = Outcome::kBudgetSpent;
    decision.message = fmt::format(
        "stopped by the time limit ({}) with all --max-requeues {} time-limit requeues spent: the "
        "latest checkpoint is saved and the job ends here. To continue, `vdit submit` the run "
        "again (it resumes from the latest checkpoint), with a longer --time or a larger "
        "--max-requeues",
        before_end, facts.max_requeues);
    return decision;
  }
  decision.outcome = Outcome::kRequeue;
  decision.message =
      fmt::format("stopped by the time limit ({}): time-limit requeue {} of --max-requeues {}",
                  before_end, facts.counted_so_far + 1, facts.max_requeues);
  return decision;
}

}  // namespace vdit::slurm
