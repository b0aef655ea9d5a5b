// `vdit submit CONFIG --run-dir DIR [--nodes N ...] [--set k=v ...] [--dry-run]`: writes the run's
// resolved config and Slurm job script into the run folder and submits it with sbatch.
#include <fmt/core.h>

#include <boost/program_options.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "cli/command_line.h"
#include "cli/commands.h"
#include "core/config_io.h"
#include "core/config_validate.h"
#include "core/error.h"
#include "orchestrator/run_directory.h"
#include "slurm/job_records.h"
#include "slurm/job_script.h"
#include "slurm/job_spec.h"
#include "slurm/run_jobs.h"
#include "slurm/slurm_client.h"

namespace vdit::cli {
namespace {

namespace fs = std::filesystem;
namespace po = boost::program_options;

// One line of --help per [slurm] field (core/config.h documents each one in full).
const std::map<std::string, std::string>& slurm_flag_help() {
  static const std::map<std::string, std::string> help = {
      {"nodes", "nodes (default 1)"},
      {"gpus_per_node", "GPUs per node; 0 = CPU workers (default 0)"},
      {"workers_per_node", "worker tasks per node (default: the GPUs per node, or 1)"},
      {"cpus_per_worker", "CPUs per task (default 1)"},
      {"time", "time limit: MM, HH:MM:SS, D-HH:MM:SS ... (default: the partition's)"},
      {"partition", "partition"},
      {"account", "account to charge"},
      {"qos", "quality of service"},
      {"constraint", "node features, e.g. 'a100&ib'"},
      {"signal", "warning signal before the time limit: USR2 (default) or USR1"},
      {"signal_lead", "seconds between the warning and the time limit (default 120)"},
      {"max_requeues", "time-limit requeues per submission; preemptions are free (default 3)"},
      {"launcher", "srun (default) or mpirun, inside the allocation"},
      {"srun_mpi", "srun --mpi plugin (default pmix)"},
  };
  return help;
}

// Registers one string flag per [slurm] field, so the flags and the config section cannot drift.
class FlagRegistrar {
 public:
  explicit FlagRegistrar(po::options_description& options) : options_(options) {}
  template <class T>
  void operator()(const char* field, T&) {
    const auto help = slurm_flag_help().find(field);
    if (help == slurm_flag_help().end())
      throw RuntimeError(fmt::format("vdit submit: no --help line for slurm.{}", field));
    options_.add_options()(slurm::flag_of(field).substr(2).c_str(), po::value<std::string>(),
                           help->second.c_str());
  }

 private:
  po::options_description& options_;
};

struct SubmitRequest {
  std::string config_path;
  std::string run_dir;
  std::vector<std::string> overrides;
  slurm::SubmitFlags flags;
  bool dry_run = false;
};

// data.shards relative to the config file must still resolve from the run folder's copy.
void make_shards_absolute(RunConfig& config, const std::string& config_path) {
  const fs::path base = fs::absolute(config_path).parent_path();
  for (std::string& entry : config.data.shards) {
    if (!fs::path(entry).is_absolute()) entry = (base / entry).lexically_normal().string();
  }
}

void write_file_atomically(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary);
    out << text;
    if (!out) throw RuntimeError(fmt::format("{}: cannot write", temporary));
  }
  fs::rename(temporary, path);
}

// Two jobs training into one run folder would corrupt it.
void refuse_if_live(const slurm::JobRecords& records, const std::string& run_dir) {
  if (records.jobs().empty()) return;
  const auto live = slurm::live_job_ids(slurm::query_run_jobs(records));
  if (live.empty()) return;
  throw InputError(fmt::format(
      "--run-dir {}: the run already has a live Slurm job ({}); `vdit status {}` shows it, "
      "`vdit cancel {}` stops it",
      run_dir, live.front(), run_dir, run_dir));
}

int submit(const SubmitRequest& request) {
  RunConfig config = load_run_config(request.config_path, request.overrides);
  const slurm::JobSpec spec = slurm::resolve_job_spec(config.slurm, request.flags, config.source);
  resolve_and_validate(config);
  slurm::check_run_fits_job(config, spec, request.flags);
  make_shards_absolute(config, request.config_path);

  const std::string run_dir = fs::absolute(request.run_dir).lexically_normal().string();
  // The job script would carry it safely (shell-quoted) and vdit train handles it, but such a
  // folder has never been run under Slurm here (line-oriented logs and records name it), so it
  // is refused rather than half-supported.
  if (run_dir.find('\n') != std::string::npos) {
    throw InputError(fmt::format("--run-dir: found a path with a newline ({}), expected one "
                                 "without: vdit submit does not support such a folder",
                                 run_dir));
  }
  // RunDirectory::config_path(), spelled out because a dry run must not create the folder
  // (checked against it below before anything is submitted).
  const std::string config_in_run = run_dir + "/config.toml";
  const std::string script = slurm::render_job_script(
      spec, {fs::read_symlink("/proc/self/exe").string(), config_in_run, run_dir});
  if (request.dry_run) {
    fmt::print("{}", script);
    return kExitOk;
  }

  const slurm::JobRecords records(run_dir);
  refuse_if_live(records, run_dir);
  // The job trains exactly what was submitted: the resolved config (with the job's [slurm]
  // values) is in the run folder before sbatch sees the script.
  const orchestrator::RunDirectory run(run_dir);
  if (run.config_path() != config_in_run) {
    throw RuntimeError(fmt::format("vdit submit: the script names {}, the run writes {}",
                                   config_in_run, run.config_path()));
  }
  run.write_config(config);
  records.create_folder();
  write_file_atomically(records.script_path(), script);
  const int64_t job_id = slurm::submit_batch(records.script_path(), records.folder(), {});
  slurm::SubmittedJob job;
  job.job_id = job_id;
  job.chain = job_id;
  job.submitted_at = slurm::utc_now();
  job.script_sha256 = slurm::sha256_hex(script);
  records.append_job(job);
  fmt::print(
      "submitted job {} for run {}\n  script  {}\n  log     {}/job-{}.log\n  follow  vdit status "
      "{}\n  stop    vdit cancel {} --graceful\n",
      job_id, run_dir, records.script_path(), records.folder(), job_id, run_dir, run_dir);
  return kExitOk;
}

}  // namespace

int run_submit(const Args& args) {
  SubmitRequest request;
  po::options_description options(
      "vdit submit CONFIG --run-dir DIR [options]\n\nWrites DIR/config.toml (resolved) and "
      "DIR/slurm/job.sbatch, then submits it with sbatch. The job checkpoints and requeues itself "
      "on the warning signal before its time limit and on preemption (SIGTERM), and resumes from "
      "the latest checkpoint. Each option below may also be set in the config's [slurm] section; "
      "the flag wins. Evaluation sweeps as job arrays (submit-eval) are not offered yet: they "
      "wait for `vdit eval`");
  options.add_options()("help,h", "show this help")(
      "run-dir", po::value(&request.run_dir), "the run folder (required)")(
      "set", po::value(&request.overrides)->composing(),
      "override a config field: --set training.steps=100 (repeatable)")(
      "dry-run", po::bool_switch(&request.dry_run), "print the job script, write and submit nothing");
  SlurmConfig fields;
  FlagRegistrar registrar(options);
  fields.visit(registrar);
  po::options_description hidden;
  hidden.add_options()("config", po::value(&request.config_path));
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("config", 1);
  const auto values = parse_command_line(args, all, positional, options, "submit");
  if (!values) return kExitOk;
  if (request.config_path.empty()) {
    throw InputError("CONFIG: missing, expected the run config file (see vdit submit --help)");
  }
  if (request.run_dir.empty()) {
    throw InputError("--run-dir: missing, expected the run folder (see vdit submit --help)");
  }
  for (const auto& [field, help] : slurm_flag_help()) {
    const std::string flag = slurm::flag_of(field).substr(2);
    if (values->count(flag)) request.flags[field] = (*values)[flag].as<std::string>();
  }
  return submit(request);
}

}  // namespace vdit::cli
