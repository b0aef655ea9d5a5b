// `vdit status RUN [--json]`: a run's Slurm jobs (squeue; sacct where accounting is on) and its
// progress (stage, step, last metrics line, newest checkpoint).
#include <fmt/core.h>

#include <boost/program_options.hpp>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "checkpoints/checkpoint_layout.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "core/error.h"
#include "slurm/run_jobs.h"

namespace vdit::cli {
namespace {

namespace fs = std::filesystem;
namespace po = boost::program_options;
using nlohmann::json;

// The last complete line of metrics.jsonl as JSON (null when there is none yet).
json last_metrics(const std::string& run_dir) {
  std::ifstream in(run_dir + "/metrics.jsonl");
  json last;
  for (std::string line; std::getline(in, line);) {
    json parsed = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_object()) last = std::move(parsed);
  }
  return last;
}

json progress_of(const std::string& run_dir) {
  json progress = {{"last_metrics", last_metrics(run_dir)}};
  const json& metrics = progress["last_metrics"];
  if (metrics.is_object()) {
    progress["step"] = metrics.value("step", int64_t{0});
    progress["stage"] = metrics.value("stage", int64_t{0});
    progress["stage_name"] = metrics.value("stage_name", std::string());
  }
  const std::string root = run_dir + "/checkpoints";
  if (const auto latest = checkpoints::read_latest_name(root)) {
    progress["latest_checkpoint"] = (fs::path(root) / *latest).string();
    if (const auto step = checkpoints::parse_step_folder_name(*latest))
      progress["checkpoint_step"] = *step;
  }
  return progress;
}

json status_of(const std::string& run_dir) {
  const slurm::JobRecords records(run_dir);
  const slurm::RunJobs run = slurm::query_run_jobs(records);
  const int64_t now = std::time(nullptr);
  json jobs = json::array();
  for (const slurm::RunJob& job : run.jobs) {
    jobs.push_back({{"job_id", job.submitted.job_id},
                    {"kind", job.submitted.kind},
                    {"submitted_at", job.submitted.submitted_at},
                    {"state", job.source.empty() ? "unknown" : job.info.state},
                    {"elapsed", slurm::elapsed_of(job.info, now)},
                    {"restarts", job.info.restarts},
                    {"reason", job.info.reason},
                    {"source", job.source}});
  }
  json status = {{"run_dir", run_dir},
                 {"jobs", jobs},
                 {"live_jobs", slurm::live_job_ids(run)},
                 {"accounting", run.accounting},
                 {"progress", progress_of(run_dir)}};
  const auto events = records.events();
  if (!events.empty()) {
    const slurm::JobEvent& event = events.back();
    status["last_event"] = {{"job_id", event.job_id},   {"start", event.start},
                            {"at", event.at},           {"outcome", event.outcome},
                            {"stop_kind", event.stop_kind}, {"path", event.path},
                            {"message", event.message}};
  }
  return status;
}

void print_text(const json& status) {
  fmt::print("run {}\n", status["run_dir"].get<std::string>());
  const json& progress = status["progress"];
  if (progress.contains("step")) {
    fmt::print("  progress    stage {} ({}), step {}\n", progress["stage"].get<int64_t>(),
               progress["stage_name"].get<std::string>(), progress["step"].get<int64_t>());
    fmt::print("  last line   {}\n", progress["last_metrics"].dump());
  } else {
    fmt::print("  progress    no metrics logged yet\n");
  }
  if (progress.contains("latest_checkpoint")) {
    fmt::print("  checkpoint  {}\n", progress["latest_checkpoint"].get<std::string>());
  } else {
    fmt::print("  checkpoint  none yet\n");
  }
  const json& jobs = status["jobs"];
  if (jobs.empty()) {
    fmt::print("no Slurm job was submitted for this run (vdit submit CONFIG --run-dir ...)\n");
    return;
  }
  fmt::print("jobs\n  {:<10} {:<13} {:<12} {:>8} {:>8}  {}\n", "JOBID", "KIND", "STATE",
             "ELAPSED", "RESTARTS", "REASON");
  for (const json& job : jobs) {
    fmt::print("  {:<10} {:<13} {:<12} {:>8} {:>8}  {}\n", job["job_id"].get<int64_t>(),
               job["kind"].get<std::string>(), job["state"].get<std::string>(),
               job["elapsed"].get<std::string>(), job["restarts"].get<int64_t>(),
               job["reason"].get<std::string>());
  }
  if (status.contains("last_event")) {
    const json& event = status["last_event"];
    fmt::print("last end    job {} start {}: {} ({})\n", event["job_id"].get<int64_t>(),
               event["start"].get<int64_t>() + 1, event["outcome"].get<std::string>(),
               event["message"].get<std::string>());
  }
  if (status["live_jobs"].empty()) {
    fmt::print("no live job: nothing of this run is queued or running{}\n",
               status["accounting"].get<bool>()
                   ? ""
                   : " (squeue forgets finished jobs after a few minutes; accounting is off, so "
                     "sacct cannot tell more)");
  }
}

}  // namespace

int run_status(const Args& args) {
  bool as_json = false;
  std::string run_dir;
  po::options_description options(
      "vdit status RUN [--json]\n\nThe run's Slurm jobs (id, state, elapsed, restarts, reason) "
      "and progress (stage, step, last metrics line, newest checkpoint)");
  options.add_options()("help,h", "show this help")("json", po::bool_switch(&as_json),
                                                    "print one JSON object, for scripts");
  po::options_description hidden;
  hidden.add_options()("run", po::value(&run_dir));
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("run", 1);
  const auto values = parse_command_line(args, all, positional, options, "status");
  if (!values) return kExitOk;
  if (run_dir.empty()) throw InputError("RUN: missing, expected a run folder");
  std::error_code error;
  if (!fs::is_directory(run_dir, error)) {
    throw InputError(fmt::format("RUN: found '{}', expected a run folder (no such folder)", run_dir));
  }
  const json status = status_of(fs::absolute(run_dir).lexically_normal().string());
  if (as_json) {
    fmt::print("{}\n", status.dump(2));
  } else {
    print_text(status);
  }
  return kExitOk;
}

}  // namespace vdit::cli
