#include "orchestrator/coordinator.h"

#include <fmt/core.h>

#include <chrono>
#include <optional>

#include "checkpoints/checkpoint_reader.h"
#include "core/error.h"
#include "core/log.h"
#include "orchestrator/curriculum.h"
#include "orchestrator/lr_schedule.h"
#include "orchestrator/run_state.h"
#include "orchestrator/save_protocol.h"
#include "orchestrator/step_log.h"
#include "orchestrator/stop_rules.h"

namespace vdit::orchestrator {
namespace {

using Clock = std::chrono::steady_clock;

std::optional<checkpoints::LoadedCheckpoint> find_resume_point(const RunDirectory& run,
                                                               const std::string& resume) {
  if (resume == "none") return std::nullopt;
  if (resume != "auto") return checkpoints::open_checkpoint(resume);
  std::vector<std::string> warnings;
  auto found = checkpoints::find_latest_checkpoint(run.checkpoints(), warnings);
  for (const auto& warning : warnings) log_warn("checkpoint: {}", warning);
  return found;
}

void print_startup_notes(const RunConfig& config, const parallel::ParallelDims& dims) {
  if (config.optimizer.zero1) {
    const int64_t replicas = int64_t{dims.dp()} * dims.sp();
    log_info(replicas > 1 ? "optimizer: ZeRO-1 shards the AdamW state over {} dp x sp ranks"
                          : "optimizer: zero1 has no effect with {} dp x sp rank",
             replicas);
  }
}

// What the workers do for the step at the curriculum's position.
control::WorkPlan plan_step(const Curriculum& curriculum, const LrSchedule& lr_schedule) {
  const CurriculumPosition& position = curriculum.position();
  const StageConfig& stage = curriculum.stage();
  control::WorkPlan plan;
  plan.step.step = position.step;
  plan.step.stage = position.stage;
  plan.step.lr = lr_schedule.at(position.step) * stage.lr_scale;
  plan.step.checkpoint_every = curriculum.checkpoint_every();
  plan.step.temporal_weight = stage.temporal_weight;
  plan.step.motion_weight = stage.motion_weight;
  plan.step.perceptual_weight = stage.perceptual_weight;
  plan.step.condition_dropout = stage.condition_dropout;
  plan.samples_consumed = position.samples_consumed;
  return plan;
}

}  // namespace

int run_coordinator(const RunConfig& config, const parallel::ParallelDims& dims,
                    const RunDirectory& run, const std::string& resume, WorkerLink& workers,
                    const StopSignals& signals) {
  print_startup_notes(config, dims);
  Curriculum curriculum(config);
  const auto checkpoint = find_resume_point(run, resume);
  if (checkpoint) {
    workers.restore(checkpoint->path);
    curriculum.restore(parse_run_state(checkpoint->state_json, checkpoint->path));
    if (curriculum.finished()) {
      log_info(
          "resumed from {}: the curriculum already finished there (step {}, all {} "
          "stages); nothing to train",
          checkpoint->path, curriculum.position().step, curriculum.stages().size());
      workers.stop();
      return kExitOk;
    }
    log_info("resumed from {} (step {}, stage {})", checkpoint->path, curriculum.position().step,
             curriculum.position().stage + 1);
  }
  const LrSchedule lr_schedule{config.optimizer.lr, config.optimizer.warmup_steps,
                               curriculum.max_total_steps(), config.optimizer.min_lr_ratio};
  const int64_t stage_count = static_cast<int64_t>(curriculum.stages().size());
  const int64_t first_step = curriculum.position().step;
  StepLog step_log(config, run, stage_count);
  if (checkpoint) step_log.mark_resume(first_step, checkpoint->path);
  StopRules stop(config.training, signals, first_step);
  SaveProtocol saves(config, run, dims, workers);

  while (!curriculum.finished() && !stop.stop_requested()) {
    // Plan the step (and a save after it, periodic or before a planned stop) ...
    const CurriculumPosition position = curriculum.position();
    const StageConfig stage = curriculum.stage();
    if (position.stage_step == 0 || position.step == first_step) {
      log_info("stage {}/{} {}: up to {} steps, global batch {}, advance by {}", position.stage + 1,
               stage_count, stage.name, stage.steps, stage.global_batch, stage.advance);
    }
    control::WorkPlan plan = plan_step(curriculum, lr_schedule);
    const int64_t next = position.step + 1;
    const int64_t every = config.checkpoint.every_steps;
    const bool save = (every > 0 && next % every == 0) || stop.planned_stop_at(next);
    if (save) saves.plan(plan, next);
    // ... run it ...
    const auto step_start = Clock::now();
    const std::vector<control::WorkReport> reports = workers.run(plan);
    const double wall = std::chrono::duration<double>(Clock::now() - step_start).count();
    // ... record it ...
    const bool stage_changed = curriculum.record_step(reports.front().step.loss);
    if (save) saves.describe(next, curriculum.position());
    saves.absorb(reports);
    step_log.record(reports, position, stage, plan.step.lr, wall, stage_changed);
    if (stage_changed) {
      log_info("curriculum: stage {} done after {} steps ({})", stage.name, position.stage_step + 1,
               curriculum.last_advance_reason());
    }
    // ... and stop here if a rule says so.
    stop.check(reports, curriculum);
  }
  // The end of the run (or a stop between periodic saves): save the final state.
  saves.save_final(curriculum.position().step, first_step, curriculum.position());
  workers.stop();
  log_info("done: {} steps, run folder {}", curriculum.position().step, run.root());
  return stop.exit_code();
}

}  // namespace vdit::orchestrator
