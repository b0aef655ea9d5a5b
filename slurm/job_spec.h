// What a vdit training job asks of Slurm: the [slurm] config section merged with the vdit submit
// flags and validated into one typed value.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/config.h"

namespace vdit::slurm {

enum class Launcher { kSrun, kMpirun };

struct JobSpec {
  int64_t nodes = 1;
  int64_t gpus_per_node = 0;
  int64_t workers_per_node = 1;  // resolved: never 0
  int64_t cpus_per_worker = 1;
  std::optional<int64_t> time_limit_s;  // nullopt: the partition's default
  std::string partition, account, qos, constraint;  // empty: not asked for
  std::string signal = "USR2";                      // without "SIG"
  int64_t signal_lead_s = 120;
  int64_t max_requeues = 3;
  Launcher launcher = Launcher::kSrun;
  std::string srun_mpi = "pmix";

  int64_t workers() const { return nodes * workers_per_node; }
  // One coordinator task (world rank 0, on the first node) plus the workers.
  int64_t tasks() const { return workers() + 1; }
};

// Flag values given to vdit submit, by [slurm] field name: {"gpus_per_node", "4"} for
// `--gpus-per-node 4`.
using SubmitFlags = std::map<std::string, std::string>;

// The flag of a [slurm] field: "gpus_per_node" -> "--gpus-per-node".
std::string flag_of(const std::string& field);

// Writes the given flags over `section` (so the resolved config records what was submitted), then
// validates every field. Each InputError names the flag when the value came from one, else
// "<config_source>: slurm.<field>", with the value found and the value expected.
JobSpec resolve_job_spec(SlurmConfig& section, const SubmitFlags& flags,
                         const std::string& config_source);

// Checks that the run's worker mesh fits the job: parallel.dp x sp x tp must equal nodes x
// workers_per_node, and a GPU job must train on "cuda" (a CPU job on "cpu").
void check_run_fits_job(const RunConfig& config, const JobSpec& spec, const SubmitFlags& flags);

}  // namespace vdit::slurm
