#include "orchestrator/coordinator.h"

#include <fmt/core.h>

#include <chrono>
#include <cstdio>
#include <optional>

#include "checkpoints/checkpoint_reader.h"
#include "checkpoints/checkpoint_writer.h"
#include "core/config_io.h"
#include "core/config_validate.h"
#include "core/error.h"
#include "orchestrator/checkpoint_saves.h"
#include "orchestrator/curriculum.h"
#include "orchestrator/metrics_log.h"
#include "orchestrator/run_state.h"
#include "orchestrator/tensorboard_writer.h"
#include "worker/model/flop_count.h"
#include "worker/training/device_peak.h"
#include "worker/training/lr_schedule.h"
#include "worker/worker_engine.h"

namespace vdit::orchestrator {
namespace {

using Clock = std::chrono::steady_clock;

std::optional<checkpoints::LoadedCheckpoint> find_resume_point(const RunDirectory& run,
                                                               const std::string& resume) {
  if (resume == "none") return std::nullopt;
  if (resume != "auto") return checkpoints::open_checkpoint(resume);
  std::vector<std::string> warnings;
  auto found = checkpoints::find_latest_checkpoint(run.checkpoints(), warnings);
  for (const auto& warning : warnings) fmt::print("checkpoint: warning: {}\n", warning);
  return found;
}

StepMetrics metrics_of(const std::vector<control::WorkReport>& reports,
                       const CurriculumPosition& position, const StageConfig& stage, double lr,
                       double wall, double flops_per_sample, double peak_flops) {
  const control::WorkReport& first = reports.front();  // losses are already averaged over dp x sp
  double data_wait = 0;
  for (const auto& report : reports) data_wait = std::max(data_wait, report.data_wait_seconds);
  StepMetrics m;
  m.step = position.step + 1;
  m.stage = position.stage + 1;
  m.stage_name = stage.name;
  m.loss = first.step.loss;
  m.diffusion_loss = first.step.diffusion_loss;
  m.temporal_loss = first.step.temporal_loss;
  m.motion_loss = first.step.motion_loss;
  m.perceptual_loss = first.step.perceptual_loss;
  m.grad_norm = first.step.grad_norm;
  m.lr = lr;
  m.samples_per_second = stage.global_batch / wall;
  m.tokens_per_second = static_cast<double>(stage.global_batch * first.tokens_per_sample) / wall;
  m.step_seconds = wall;
  m.data_wait_percent = 100.0 * data_wait / wall;
  m.peak_memory_mb = peak_memory_mb();
  m.mfu = stage.global_batch * flops_per_sample / wall /
          (peak_flops * static_cast<double>(reports.size()));
  m.samples_consumed = position.samples_consumed + stage.global_batch;
  m.bucket = fmt::format("{}x{}x{}", first.bucket[0], first.bucket[1], first.bucket[2]);
  return m;
}

}  // namespace

int run_coordinator(const RunConfig& config, const RunDirectory& run, const std::string& resume,
                    WorkerLink& workers, const StopSignals& signals) {
  Curriculum curriculum(config);
  if (config.optimizer.zero1) {
    const int64_t replicas = config.parallel.dp * config.parallel.sp;
    fmt::print(replicas > 1 ? "optimizer: ZeRO-1 shards the AdamW state over {} dp x sp ranks\n"
                            : "optimizer: zero1 has no effect with {} dp x sp rank\n",
               replicas);
  }
  if (config.training.precision == "bf16" && config.training.device == "cpu") {
    fmt::print("precision: bf16 autocast applies on CUDA; this CPU run computes in fp32\n");
  }
  std::optional<std::string> resumed_from;
  if (const auto checkpoint = find_resume_point(run, resume)) {
    resumed_from = checkpoint->path;
    workers.restore(checkpoint->path);
    curriculum.restore(parse_run_state(checkpoint->state_json, checkpoint->path));
    if (curriculum.finished()) {
      fmt::print("resumed from {}: the curriculum already finished there (step {}, all {} "
                 "stages); nothing to train\n",
                 checkpoint->path, curriculum.position().step, curriculum.stages().size());
      workers.stop();
      return kExitOk;
    }
    fmt::print("resumed from {} (step {}, stage {})\n", checkpoint->path,
               curriculum.position().step, curriculum.position().stage + 1);
  }

  const training::LrSchedule lr_schedule{config.optimizer.lr, config.optimizer.warmup_steps,
                                         curriculum.max_total_steps(),
                                         config.optimizer.min_lr_ratio};
  const double peak_flops = training::measured_matmul_flops_per_second(torch::kCPU);
  const auto model_options = model::video_dit_options(config.model, 0);
  MetricsLog metrics_log(run.metrics_path());
  TensorBoardWriter tensorboard(run.logs());
  const auto started = Clock::now();
  const int64_t stage_count = static_cast<int64_t>(curriculum.stages().size());
  const int64_t first_step = curriculum.position().step;
  if (resumed_from) {
    // Steps after the checkpoint that an earlier attempt logged are superseded from here on.
    metrics_log.mark_resume(first_step, *resumed_from);
    tensorboard.mark_resume(first_step, unix_time_now());
  }
  CheckpointSaves saves(run.checkpoints(), WorkerEngine::checkpoint_files(config),
                        config.checkpoint.keep_last, config.checkpoint.keep_every);
  // Waits for the shard writes in flight (background saves) and commits them.
  auto flush_saves = [&] {
    if (!saves.in_flight()) return;
    control::WorkPlan flush;
    flush.kind = control::WorkPlan::kFlush;
    saves.absorb(workers.run(flush));
    if (saves.in_flight()) {
      throw RuntimeError("checkpoint: the workers did not report every shard after a flush");
    }
  };
  // Puts a save of the state after `step` steps into `plan`.
  auto plan_save = [&](control::WorkPlan& plan, int64_t step) {
    flush_saves();  // one save in flight at a time
    const std::string partial = saves.begin(step);
    if (partial.size() >= sizeof(plan.checkpoint_folder)) {
      checkpoints::abort_checkpoint(run.checkpoints(), step);
      throw InputError(
          fmt::format("{}: the run folder path is too long ({} characters) for a checkpoint",
                      run.root(), partial.size()));
    }
    std::snprintf(plan.checkpoint_folder, sizeof(plan.checkpoint_folder), "%s", partial.c_str());
    plan.checkpoint_step = step;
  };
  // The coordinator's record of the save just planned: the curriculum after its step.
  auto describe_save = [&](int64_t step) {
    checkpoints::CheckpointMeta meta;
    meta.step = step;
    meta.json_state = run_state_json(curriculum.position(), config.parallel.dp, config.parallel.sp,
                                     config.parallel.tp);
    meta.config_toml = to_toml(config);
    saves.describe(std::move(meta));
  };

  bool stop_requested = false;
  int stop_signal = 0;  // a signal that stopped unfinished work, else 0
  while (!curriculum.finished() && !stop_requested) {
    const CurriculumPosition position = curriculum.position();
    const StageConfig stage = curriculum.stage();
    if (position.stage_step == 0 || position.step == first_step) {
      fmt::print("stage {}/{} {}: up to {} steps, global batch {}, advance by {}\n",
                 position.stage + 1, stage_count, stage.name, stage.steps, stage.global_batch,
                 stage.advance);
    }
    control::WorkPlan plan;
    plan.step.step = position.step;
    plan.step.stage = position.stage;
    plan.step.lr = lr_schedule.at(position.step) * stage.lr_scale;
    plan.step.checkpoint_every =
        checkpoint_every(stage.activation_checkpointing, "activation_checkpointing", config.source);
    plan.step.temporal_weight = stage.temporal_weight;
    plan.step.motion_weight = stage.motion_weight;
    plan.step.perceptual_weight = stage.perceptual_weight;
    plan.step.condition_dropout = stage.condition_dropout;
    plan.samples_consumed = position.samples_consumed;
    const int64_t next = position.step + 1;
    const int64_t stop_after = config.training.stop_after_steps;
    const bool stop_here = stop_after > 0 && next - first_step >= stop_after;
    const bool periodic =
        config.checkpoint.every_steps > 0 && next % config.checkpoint.every_steps == 0;
    if (periodic || stop_here) plan_save(plan, next);

    const auto step_start = Clock::now();
    const std::vector<control::WorkReport> reports = workers.run(plan);
    const double wall = std::chrono::duration<double>(Clock::now() - step_start).count();
    const bool stage_changed = curriculum.record_step(reports.front().step.loss);
    if (periodic || stop_here) describe_save(next);
    saves.absorb(reports);

    if (curriculum.position().step % config.training.log_every == 0 || stage_changed) {
      const double flops =
          model::training_flops_per_sample(model_options, reports.front().tokens_per_sample);
      const StepMetrics m =
          metrics_of(reports, position, stage, plan.step.lr, wall, flops, peak_flops);
      metrics_log.write(m);
      write_step_scalars(tensorboard, m);
      fmt::print("{}\n", console_line(m, stage_count));
    }
    if (stage_changed) {
      fmt::print("curriculum: stage {} done after {} steps ({})\n", stage.name,
                 position.stage_step + 1, curriculum.last_advance_reason());
    }
    const double minutes = std::chrono::duration<double>(Clock::now() - started).count() / 60.0;
    if (config.training.max_minutes > 0 && minutes >= config.training.max_minutes) {
      fmt::print("training.max_minutes = {} reached at step {}: saving and stopping\n",
                 config.training.max_minutes, curriculum.position().step);
      stop_requested = true;
    }
    int received = signals.received();
    for (const auto& report : reports) received = received != 0 ? received : report.stop_signal;
    if (received != 0 && !curriculum.finished()) {
      // A signal after the last step interrupts nothing: the run ends finished, exit code 0.
      stop_signal = received;
      fmt::print("signal {} received: stopping at step {} with a checkpoint (exit code {})\n",
                 stop_signal, curriculum.position().step, StopSignals::exit_code_for(stop_signal));
      stop_requested = true;
    }
    if (stop_here && !curriculum.finished()) {
      fmt::print("training.stop_after_steps = {} reached at step {}: the same command resumes\n",
                 stop_after, curriculum.position().step);
      stop_requested = true;
    }
  }
  // The end of the run (or a stop between periodic saves): save the final state.
  flush_saves();
  const int64_t final_step = curriculum.position().step;
  if (saves.last_committed_step() != final_step && final_step > first_step) {
    control::WorkPlan plan;
    plan.kind = control::WorkPlan::kSave;
    plan_save(plan, final_step);
    describe_save(final_step);
    saves.absorb(workers.run(plan));
    flush_saves();
  }
  workers.stop();
  fmt::print("done: {} steps, run folder {}\n", curriculum.position().step, run.root());
  return stop_signal != 0 ? StopSignals::exit_code_for(stop_signal) : kExitOk;
}

}  // namespace vdit::orchestrator
