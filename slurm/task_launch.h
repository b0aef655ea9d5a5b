// One task of a training job (`vdit slurm task`): bind it to its GPU, then run `vdit train`; on
// world rank 0 also record the coordinator's exit code and the first stop signal for the job script.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vdit::slurm {

// The launcher's view of this task, from its environment.
struct TaskEnvironment {
  std::optional<std::string> ompi_rank;     // OMPI_COMM_WORLD_RANK (mpirun)
  std::optional<std::string> pmix_rank;     // PMIX_RANK (srun --mpi=pmix)
  std::optional<std::string> slurm_procid;  // SLURM_PROCID (srun)
  std::optional<std::string> cuda_visible_devices;  // the GPUs Slurm gave the node's tasks

  static TaskEnvironment from_process();
};

// The task's world rank. mpirun's variable comes first: inside an allocation every mpirun rank
// inherits the batch shell's SLURM_PROCID=0. RuntimeError if none is set.
int world_rank_of(const TaskEnvironment& environment);

// CUDA_VISIBLE_DEVICES for this task: nullopt (leave it) for a CPU job; "" for the coordinator;
// for worker rank r, entry (r - 1) % workers_per_node of the node's list (the job script puts
// workers_per_node consecutive workers on each node after the coordinator), or that index itself
// when Slurm set no list.
std::optional<std::string> visible_devices_for(int world_rank, int64_t workers_per_node,
                                               int64_t gpus_per_node,
                                               const std::optional<std::string>& node_devices);

// What the coordinator task leaves for `vdit slurm finish`.
struct TaskExit {
  int exit_code = 0;
  std::string signal;        // first stop signal the task saw ("USR2", "TERM"), "" if none
  int64_t signal_time = 0;   // Unix seconds of that signal
};

void write_task_exit(const std::string& path, const TaskExit& exit);
std::optional<TaskExit> read_task_exit(const std::string& path);

struct TaskRequest {
  int64_t workers_per_node = 1;
  int64_t gpus_per_node = 0;
  std::string exit_file;
  std::vector<std::string> command;  // argv of the program to run
};

// Binds, then on rank 0 runs `command` as a child, passing on every stop signal, writes the exit
// file and returns the child's exit code; on other ranks replaces this process with `command`.
int run_task(const TaskRequest& request);

}  // namespace vdit::slurm
