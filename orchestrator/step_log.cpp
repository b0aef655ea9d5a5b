#include "orchestrator/step_log.h"

#include <fmt/core.h>

#include <algorithm>

#include "core/log.h"
#include "orchestrator/flop_count.h"

namespace vdit::orchestrator {
namespace {

StepMetrics metrics_of(const std::vector<control::WorkReport>& reports,
                       const CurriculumPosition& position, const StageConfig& stage, double lr,
                       double wall, double flops_per_sample) {
  const control::WorkReport& first = reports.front();  // losses are already averaged over dp x sp
  double data_wait = 0, peak_flops = 0;
  int64_t peak_memory = -1;
  for (const auto& report : reports) {
    data_wait = std::max(data_wait, report.data_wait_seconds);
    peak_memory = std::max(peak_memory, report.peak_memory_bytes);
    peak_flops += report.device_peak_flops;  // the workers' devices together
  }
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
  m.peak_memory_mb = peak_memory < 0 ? 0.0 : static_cast<double>(peak_memory) / (1 << 20);
  m.mfu = peak_flops > 0 ? stage.global_batch * flops_per_sample / wall / peak_flops : 0.0;
  m.samples_consumed = position.samples_consumed + stage.global_batch;
  m.bucket = fmt::format("{}x{}x{}", first.bucket[0], first.bucket[1], first.bucket[2]);
  return m;
}

}  // namespace

StepLog::StepLog(const RunConfig& config, const RunDirectory& run, int64_t stage_count)
    : log_every_(config.training.log_every),
      stage_count_(stage_count),
      model_options_(model::video_dit_options(config.model, 0)),
      metrics_(run.metrics_path()),
      tensorboard_(run.logs()) {}

void StepLog::mark_resume(int64_t step, const std::string& checkpoint) {
  metrics_.mark_resume(step, checkpoint);
  tensorboard_.mark_resume(step, unix_time_now());
}

void StepLog::record(const std::vector<control::WorkReport>& reports,
                     const CurriculumPosition& before, const StageConfig& stage, double lr,
                     double wall, bool stage_changed) {
  if ((before.step + 1) % log_every_ != 0 && !stage_changed) return;
  const double flops = training_flops_per_sample(model_options_, reports.front().tokens_per_sample);
  const StepMetrics m = metrics_of(reports, before, stage, lr, wall, flops);
  metrics_.write(m);
  write_step_scalars(tensorboard_, m);
  log_info("{}", console_line(m, stage_count_));
}

}  // namespace vdit::orchestrator
