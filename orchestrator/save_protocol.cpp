#include "orchestrator/save_protocol.h"

#include <fmt/core.h>

#include <cstdio>

#include "checkpoints/shard_layout.h"
#include "core/config_io.h"
#include "core/error.h"
#include "orchestrator/run_state.h"

namespace vdit::orchestrator {

SaveProtocol::SaveProtocol(const RunConfig& config, const RunDirectory& run,
                           const parallel::ParallelDims& dims, WorkerLink& workers)
    : config_(config),
      run_(run),
      dims_(dims),
      workers_(workers),
      saves_(
          run.checkpoints(),
          checkpoints::ShardLayout{dims.dp(), dims.sp(), dims.tp(), config.optimizer.zero1}.files(),
          config.checkpoint.keep_last, config.checkpoint.keep_every) {}

void SaveProtocol::plan(control::WorkPlan& plan, int64_t step) {
  flush();  // one save in flight at a time
  const std::string partial = saves_.begin(step);
  if (partial.size() >= sizeof(plan.checkpoint_folder)) {
    checkpoints::abort_checkpoint(run_.checkpoints(), step);
    throw InputError(
        fmt::format("{}: the run folder path is too long ({} characters) for a checkpoint",
                    run_.root(), partial.size()));
  }
  std::snprintf(plan.checkpoint_folder, sizeof(plan.checkpoint_folder), "%s", partial.c_str());
  plan.checkpoint_step = step;
}

void SaveProtocol::describe(int64_t step, const CurriculumPosition& after) {
  checkpoints::CheckpointMeta meta;
  meta.step = step;
  meta.json_state = run_state_json(after, dims_.dp(), dims_.sp(), dims_.tp());
  meta.config_toml = to_toml(config_);
  saves_.describe(std::move(meta));
}

void SaveProtocol::absorb(const std::vector<control::WorkReport>& reports) {
  saves_.absorb(reports);
}

void SaveProtocol::flush() {
  if (!saves_.in_flight()) return;
  control::WorkPlan flush;
  flush.kind = control::WorkPlan::kFlush;
  saves_.absorb(workers_.run(flush));
  if (saves_.in_flight()) {
    throw RuntimeError("checkpoint: the workers did not report every shard after a flush");
  }
}

void SaveProtocol::save_final(int64_t step, int64_t first_step, const CurriculumPosition& after) {
  flush();
  if (saves_.last_committed_step() == step || step <= first_step) return;
  control::WorkPlan save;
  save.kind = control::WorkPlan::kSave;
  plan(save, step);
  describe(step, after);
  saves_.absorb(workers_.run(save));
  flush();
}

}  // namespace vdit::orchestrator
