// The run folder's record of its Slurm jobs, kept in <run>/slurm/ so it survives requeues and
// continuation jobs: the script, the jobs submitted, how each start of a job ended.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace vdit::slurm {

// One line of jobs.jsonl: a job `vdit submit` (kind "submit") or a requeue fallback (kind
// "continuation") submitted for this run.
struct SubmittedJob {
  int64_t job_id = 0;
  int64_t chain = 0;  // the submit job this one continues (its own id for a submit)
  std::string kind = "submit";
  std::string submitted_at;   // UTC, ISO 8601
  std::string script_sha256;  // of job.sbatch as submitted
};

// One line of events.jsonl: how one start of a job ended and what vdit did about it.
struct JobEvent {
  int64_t job_id = 0;
  int64_t start = 0;  // SLURM_RESTART_COUNT of that start (0 = the first)
  int64_t chain = 0;
  std::string at;          // UTC, ISO 8601
  int exit_code = 0;       // the coordinator's
  std::string outcome;     // finished | failed | cancelled | requeue | budget-spent
  std::string stop_kind;   // time-limit | preemption | "" (not stopped by a signal)
  bool counted = false;    // counted against max_requeues
  std::string path;        // requeue | continuation | "" (nothing requeued)
  int64_t continuation_job_id = 0;
  std::string message;     // what the log said
};

class JobRecords {
 public:
  explicit JobRecords(std::string run_dir);

  std::string folder() const { return run_dir_ + "/slurm"; }
  std::string script_path() const { return folder() + "/job.sbatch"; }
  std::string jobs_path() const { return folder() + "/jobs.jsonl"; }
  std::string events_path() const { return folder() + "/events.jsonl"; }
  // Job ids `vdit cancel` stopped, one a line: their ends are never requeued.
  std::string cancelled_path() const { return folder() + "/cancelled"; }

  // Creates <run>/slurm if missing (RuntimeError naming it if that fails).
  void create_folder() const;

  void append_job(const SubmittedJob& job) const;
  void append_event(const JobEvent& event) const;
  void mark_cancelled(const std::vector<int64_t>& job_ids) const;

  // Missing files read as empty; a line that is not a record is skipped (a torn last line after
  // a crash must not make the run unreadable).
  std::vector<SubmittedJob> jobs() const;
  std::vector<JobEvent> events() const;
  std::set<int64_t> cancelled() const;

  // Time-limit stops counted in `chain` so far, each start counted once.
  int64_t counted_requeues(int64_t chain) const;

 private:
  void append_line(const std::string& path, const std::string& line) const;
  std::string run_dir_;
};

// Now, UTC, "2026-12-01T22:40:03Z".
std::string utc_now();

// SHA-256 of `text` as 64 hex digits.
std::string sha256_hex(const std::string& text);

}  // namespace vdit::slurm
