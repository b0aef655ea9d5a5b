// The coordinator's half of a checkpoint save, over the WorkerLink. A save rides in a step's plan:
// every writer snapshots its state after that step and writes its shard (in the background when
// checkpoint.async); once the step has run the coordinator records the run state the save holds;
// the save commits when every shard is reported (CheckpointSaves). One save is in flight at a time.
#pragma once

#include <cstdint>
#include <vector>

#include "core/config.h"
#include "orchestrator/checkpoint_saves.h"
#include "orchestrator/curriculum.h"
#include "orchestrator/run_directory.h"
#include "orchestrator/worker_link.h"
#include "parallel/parallel_dims.h"

namespace vdit::orchestrator {

class SaveProtocol {
 public:
  SaveProtocol(const RunConfig& config, const RunDirectory& run, const parallel::ParallelDims& dims,
               WorkerLink& workers);

  // Puts a save of the state after `step` steps into `plan`, after the save in flight (if any)
  // has committed. Throws InputError when the run folder's path does not fit in a plan.
  void plan(control::WorkPlan& plan, int64_t step);
  // Once the planned step has run: the run state the save holds (the curriculum after the step).
  void describe(int64_t step, const CurriculumPosition& after);
  // The shard writes a step's reports announce; commits a save whose shards are all in.
  void absorb(const std::vector<control::WorkReport>& reports);
  // Waits for the shard writes in flight and commits them.
  void flush();
  // The end of a run: saves the state after `step` and waits for it, unless that step is already
  // committed or nothing was trained (`step` == `first_step`).
  void save_final(int64_t step, int64_t first_step, const CurriculumPosition& after);

 private:
  const RunConfig& config_;
  const RunDirectory& run_;
  parallel::ParallelDims dims_;
  WorkerLink& workers_;
  CheckpointSaves saves_;
};

}  // namespace vdit::orchestrator
