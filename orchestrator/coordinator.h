// The coordinator's loop: it owns the run's truth (curriculum position, when to save, when to
// stop), sends a plan per step to the workers, aggregates their reports into metrics, and commits
// checkpoints (two-phase: workers write shards into step_N.partial, the coordinator the manifest).
#pragma once

#include <string>

#include "core/config.h"
#include "core/stop_signals.h"
#include "orchestrator/run_directory.h"
#include "orchestrator/worker_link.h"
#include "parallel/parallel_dims.h"

namespace vdit::orchestrator {

// Each step: plan it (the curriculum's position, the LR, a save if one is due) -> the workers run
// it -> record it (curriculum, metrics, checkpoint shards) -> stop if a rule says so
// (stop_rules.h); at the end, a final save.
// `config` validated and `dims` its mesh. `resume`: "auto" (latest of the run folder, if any),
// "none", or a checkpoint folder. Returns the process exit code.
// A stop signal on the coordinator (`signals`) or on any worker (in its report) ends the run at
// the next step boundary with a checkpoint; the exit code then says whether to requeue.
int run_coordinator(const RunConfig& config, const parallel::ParallelDims& dims,
                    const RunDirectory& run, const std::string& resume, WorkerLink& workers,
                    const StopSignals& signals);

}  // namespace vdit::orchestrator
