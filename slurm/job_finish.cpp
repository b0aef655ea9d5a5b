#include "slurm/job_finish.h"

#include <fmt/core.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>

#include "core/error.h"
#include "slurm/job_records.h"
#include "slurm/requeue_decision.h"
#include "slurm/slurm_client.h"
#include "slurm/task_launch.h"

namespace vdit::slurm {
namespace {

int64_t number_from_environment(const char* name, int64_t fallback) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return fallback;
  try {
    return std::stoll(value);
  } catch (const std::exception&) {
    return fallback;
  }
}

void log(const std::string& line) {
  fmt::print("vdit slurm: {}\n", line);
  std::fflush(stdout);
}

// A job's own end time: squeue first (it follows `scontrol update TimeLimit`), else
// SLURM_JOB_END_TIME (newer Slurm sets it at start). nullopt: no time limit known.
std::optional<int64_t> end_time_of(const std::optional<JobInfo>& job) {
  if (job && job->end_time > 0 && job->time_limit_min > 0) return job->end_time;
  const int64_t from_environment = number_from_environment("SLURM_JOB_END_TIME", 0);
  if (from_environment > 0) return from_environment;
  return std::nullopt;
}

std::optional<JobInfo> this_job(int64_t job_id) {
  try {
    const auto jobs = query_jobs({job_id});
    if (!jobs.empty()) return jobs.front();
  } catch (const RuntimeError& error) {
    log(fmt::format("squeue did not answer ({}): deciding without it", error.what()));
  }
  return std::nullopt;
}

// Submits this job's script again to start when this job has ended; returns its id.
int64_t submit_continuation(const JobRecords& records, int64_t job_id, int64_t chain) {
  // The new job must not inherit this job's SLURM_* variables (srun inside it would read them);
  // SLURM_CONF still names the cluster. VDIT_SLURM_CHAIN carries the time-limit budget over.
  std::map<std::string, std::optional<std::string>> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text = *entry;
    const std::string name = text.substr(0, text.find('='));
    if (name.rfind("SLURM_", 0) == 0 && name != "SLURM_CONF") environment[name] = std::nullopt;
  }
  environment["VDIT_SLURM_CHAIN"] = std::to_string(chain);
  const int64_t continuation =
      submit_batch(records.script_path(), records.folder(),
                   {fmt::format("--dependency=afterany:{}", job_id)}, environment);
  SubmittedJob job;
  job.job_id = continuation;
  job.chain = chain;
  job.kind = "continuation";
  job.submitted_at = utc_now();
  job.script_sha256 = "";
  records.append_job(job);
  return continuation;
}

}  // namespace

int finish_job_start(const FinishRequest& request) {
  // `scontrol requeue` makes Slurm SIGTERM this job's processes: finish recording first.
  signal(SIGTERM, SIG_IGN);
  signal(SIGUSR1, SIG_IGN);
  signal(SIGUSR2, SIG_IGN);
  const JobRecords records(request.run_dir);
  const int64_t job_id = number_from_environment("SLURM_JOB_ID", 0);
  if (job_id <= 0) throw InputError("vdit slurm finish: SLURM_JOB_ID is not set (run it in a job)");
  const int64_t start = number_from_environment("SLURM_RESTART_COUNT", 0);
  const int64_t chain = request.chain > 0 ? request.chain : job_id;

  const auto task_exit = read_task_exit(request.exit_file);
  std::error_code ignored;
  std::filesystem::remove(request.exit_file, ignored);
  const std::optional<JobInfo> job = this_job(job_id);

  StopFacts facts;
  // No record: the coordinator never ran to its end (the launch failed, or its task was killed),
  // whatever the launcher says: a failure, never "finished".
  facts.exit_code = task_exit                            ? task_exit->exit_code
                    : request.launcher_status != kExitOk ? request.launcher_status
                                                         : kExitRuntimeError;
  facts.cancel_requested = records.cancelled().count(job_id) != 0 ||
                           (job && job->state.find("CANCELLED") != std::string::npos);
  facts.end_time = end_time_of(job);
  facts.stop_time =
      task_exit && task_exit->signal_time > 0 ? task_exit->signal_time : std::time(nullptr);
  facts.signal_lead_s = request.signal_lead_s;
  facts.max_requeues = request.max_requeues;
  facts.counted_so_far = records.counted_requeues(chain);
  if (!task_exit) {
    log(fmt::format("the coordinator left no exit record (launcher exit code {}): counted as "
                    "a failure with exit code {}",
                    request.launcher_status, facts.exit_code));
  } else if (!task_exit->signal.empty()) {
    log(fmt::format("the coordinator's task got SIG{} at {}", task_exit->signal,
                    task_exit->signal_time));
  }
  const StopDecision decision = decide_after_stop(facts);
  log(decision.message);

  JobEvent event;
  event.job_id = job_id;
  event.start = start;
  event.chain = chain;
  event.at = utc_now();
  event.exit_code = facts.exit_code;
  event.outcome = outcome_name(decision.outcome);
  if (decision.outcome == Outcome::kRequeue || decision.outcome == Outcome::kBudgetSpent)
    event.stop_kind = decision.time_limit ? "time-limit" : "preemption";
  event.counted = decision.counted;
  event.message = decision.message;
  if (decision.outcome != Outcome::kRequeue) {
    records.append_event(event);
    return decision.job_exit_code;
  }

  // Recorded before requeueing: the requeue ends this process.
  event.path = "requeue";
  records.append_event(event);
  log(fmt::format("requeue: scontrol requeue {} (start {} of the job follows)", job_id, start + 2));
  const CommandResult requeued = run_command({"scontrol", {"requeue", std::to_string(job_id)}});
  if (requeued.ok()) return decision.job_exit_code;

  log(fmt::format("scontrol requeue was refused ({}): submitting a continuation job instead",
                  requeued.message()));
  const std::optional<JobInfo> now = this_job(job_id);
  if (now && (now->state.find("REQUEUE") != std::string::npos || now->state == "PENDING")) {
    log(fmt::format("Slurm is requeueing the job itself (state {}): no continuation needed",
                    now->state));
    return decision.job_exit_code;
  }
  event.path = "continuation";
  event.counted = false;  // the stop is counted once, by the line above
  try {
    event.continuation_job_id = submit_continuation(records, job_id, chain);
  } catch (const RuntimeError& error) {
    event.outcome = "failed";
    event.message = fmt::format("neither requeue nor a continuation job worked: {}", error.what());
    records.append_event(event);
    log(event.message);
    return kExitRuntimeError;
  }
  event.message = fmt::format("continuation job {} starts after job {} ends (afterany)",
                              event.continuation_job_id, job_id);
  records.append_event(event);
  log(fmt::format("continuation: {}", event.message));
  return decision.job_exit_code;
}

}  // namespace vdit::slurm
