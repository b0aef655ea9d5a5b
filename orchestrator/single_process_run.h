// `vdit train` without a launcher: the coordinator and one worker in one process. The coordinator
// part (curriculum, logging, checkpoint decisions) is the same code the MPI run uses.
#pragma once

#include <string>
#include <vector>

namespace vdit::orchestrator {

struct TrainRequest {
  std::string config_path;             // TOML run config; empty = the embedded defaults
  std::string run_dir;                 // the run folder
  std::vector<std::string> overrides;  // --set section.key=value
  std::string resume = "auto";         // "auto" (latest if any), "none", or a checkpoint folder
};

// Runs (or resumes) the whole curriculum. Returns the process exit code.
int run_single_process(const TrainRequest& request);

}  // namespace vdit::orchestrator
