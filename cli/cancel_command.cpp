// `vdit cancel RUN [--graceful]`: scancel a run's live jobs; --graceful sends the warning signal
// first, so the run saves a checkpoint and the job ends without requeueing.
#include <fmt/core.h>

#include <boost/program_options.hpp>
#include <filesystem>
#include <sstream>

#include "cli/command_line.h"
#include "cli/commands.h"
#include "core/config_io.h"
#include "core/error.h"
#include "slurm/command_runner.h"
#include "slurm/run_jobs.h"

namespace vdit::cli {
namespace {

namespace fs = std::filesystem;
namespace po = boost::program_options;

// The warning signal the run was submitted with (its resolved config), USR2 if unreadable.
std::string warning_signal_of(const std::string& run_dir) {
  try {
    return load_run_config(run_dir + "/config.toml").slurm.signal;
  } catch (const InputError&) {
    return "USR2";
  }
}

void scancel(const std::vector<std::string>& args) {
  const slurm::CommandResult result = slurm::run_command({"scancel", args});
  if (!result.ok()) {
    throw RuntimeError(fmt::format("{} failed (exit {}): {}",
                                   slurm::describe({"scancel", args}), result.exit_code,
                                   result.message()));
  }
}

int cancel(const std::string& run_dir, bool graceful) {
  const slurm::JobRecords records(run_dir);
  const slurm::RunJobs run = slurm::query_run_jobs(records);
  const std::vector<int64_t> live = slurm::live_job_ids(run);
  if (live.empty()) {
    fmt::print("no live job for run {}: nothing to cancel\n", run_dir);
    return kExitOk;
  }
  // Marked first: the job script's last step reads it and does not requeue these jobs.
  records.mark_cancelled(live);
  const std::string signal = warning_signal_of(run_dir);
  for (const slurm::RunJob& job : run.jobs) {
    const int64_t id = job.submitted.job_id;
    if (std::find(live.begin(), live.end(), id) == live.end()) continue;
    const bool running = job.info.state.find("RUNNING") != std::string::npos;
    if (graceful && running) {
      // --full: the tasks and the batch shell (which passes it on under mpirun).
      scancel({"--signal=" + signal, "--full", std::to_string(id)});
      fmt::print("job {}: sent SIG{}; the run saves at its next step and the job ends without "
                 "requeueing\n",
                 id, signal);
    } else {
      scancel({std::to_string(id)});
      fmt::print("job {}: cancelled ({})\n", id, job.info.state);
    }
  }
  return kExitOk;
}

}  // namespace

int run_cancel(const Args& args) {
  bool graceful = false;
  std::string run_dir;
  po::options_description options(
      "vdit cancel RUN [--graceful]\n\nCancels the run's live Slurm jobs; none of them requeues");
  options.add_options()("help,h", "show this help")(
      "graceful", po::bool_switch(&graceful),
      "send the warning signal to running jobs instead, so the run saves a checkpoint first");
  po::options_description hidden;
  hidden.add_options()("run", po::value(&run_dir));
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("run", 1);
  const auto values = parse_command_line(args, all, positional, options, "cancel");
  if (!values) return kExitOk;
  if (run_dir.empty()) throw InputError("RUN: missing, expected a run folder");
  std::error_code error;
  if (!fs::is_directory(run_dir, error)) {
    throw InputError(fmt::format("RUN: found '{}', expected a run folder (no such folder)", run_dir));
  }
  return cancel(fs::absolute(run_dir).lexically_normal().string(), graceful);
}

}  // namespace vdit::cli
