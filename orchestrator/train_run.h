// `vdit train`: resolve the config and data, then run the coordinator and the workers, either in
// one process (no launcher) or as world rank 0 + ranks 1..N under mpirun / srun.
#pragma once

#include <string>
#include <vector>

namespace vdit::orchestrator {

struct TrainRequest {
  std::string config_path;             // TOML run config; empty = the built-in defaults
  std::string run_dir;                 // the run folder
  std::vector<std::string> overrides;  // --set section.key=value
  std::string resume = "auto";         // "auto" (latest if any), "none", or a checkpoint folder
  bool check_only = false;             // --check: the config and pre-flight checks, no training
};

// Runs (or resumes) the whole curriculum. Returns the process exit code.
int run_training(const TrainRequest& request);

// True when this process was started by an MPI launcher (mpirun, or srun --mpi=pmix).
bool launched_by_mpi();

}  // namespace vdit::orchestrator
