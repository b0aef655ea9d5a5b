#include "worker/worker_engine.h"

#include <fmt/core.h>

#include <chrono>
#include <cstring>

#include "checkpoints/checkpoint_reader.h"
#include "checkpoints/checkpoint_writer.h"
#include "core/config_validate.h"
#include "core/log.h"
#include "worker/device_peak.h"
#include "worker/peak_memory.h"
#include "worker/training/training_state.h"

namespace vdit {

WorkerEngine::WorkerEngine(const RunConfig& config, std::vector<std::string> shards,
                           torch::Device device, training::TrainerParallel parallel,
                           data::DataRank data_rank, int32_t worker_rank)
    : config_(config),
      shards_(std::move(shards)),
      device_(device),
      device_peak_flops_(device_peak_flops(device, config.training.precision)),
      trainer_(config, device, std::move(parallel)),
      data_rank_(data_rank),
      worker_rank_(worker_rank),
      writes_weights_(
          checkpoints::ShardLayout::writes_weights(data_rank.dp_rank, data_rank.sp_rank)),
      shard_file_(
          checkpoints::ShardLayout{data_rank.dp_size, data_rank.sp_size,
                                   trainer_.parallel().model.tp_size(), config.optimizer.zero1}
              .file_of(data_rank.dp_rank, data_rank.sp_rank, trainer_.parallel().model.tp.rank())) {
}

void WorkerEngine::restore(const std::string& checkpoint_folder) {
  // The coordinator verified every file's checksum when it chose this checkpoint; each worker
  // checks sizes and reads only its own slices.
  checkpoints::OpenOptions options;
  options.verify_checksums = false;
  training::restore_training_state(trainer_,
                                   checkpoints::open_checkpoint(checkpoint_folder, options));
}

void WorkerEngine::ensure_loader(int64_t stage, int64_t samples_consumed) {
  if (loader_ && loader_stage_ == stage && expected_samples_consumed_ == samples_consumed) return;
  loader_.reset();  // joins the previous reader thread first
  const StageConfig& stage_config = config_.curriculum.stages.at(static_cast<size_t>(stage));
  data::LoaderOptions options;
  options.shard_paths = shards_;
  options.expected.channels = config_.model.channels;
  options.expected.patch = config_.model.patch();
  options.filter.frames_min = stage_config.frames_min;
  options.filter.frames_max = stage_config.frames_max;
  options.filter.resolutions = stage_config.resolutions;
  options.seed = static_cast<uint64_t>(config_.training.seed);
  options.stage = stage;
  options.global_batch_size = stage_config.global_batch;
  options.rank = data_rank_;
  options.samples_consumed = samples_consumed;
  options.prefetch_depth = static_cast<int>(config_.data.prefetch_batches);
  loader_ = std::make_unique<data::StreamingLoader>(options);
  if (worker_rank_ == 0) {
    for (const auto& warning : loader_->warnings()) log_warn("data: {}", warning);
  }
  loader_stage_ = stage;
  expected_samples_consumed_ = samples_consumed;
}

void WorkerEngine::collect(std::optional<checkpoints::ShardWriteResult> result,
                           control::WorkReport& report) {
  if (!result) return;
  report.saved_step = result->step;
  std::snprintf(report.saved_file, sizeof(report.saved_file), "%s", result->file.name.c_str());
  report.saved_size = result->file.size;
  report.saved_crc32 = result->file.crc32;
  std::snprintf(report.save_error, sizeof(report.save_error), "%s", result->error.c_str());
  report.save_write_seconds = result->seconds;
  staging_ = std::move(result->tensors);
}

void WorkerEngine::start_save(const control::WorkPlan& plan, control::WorkReport& report) {
  if (!shard_file_) return;
  const auto started = std::chrono::steady_clock::now();
  // The snapshot runs on the writer thread, overlapping the next step's forward and backward;
  // that step waits for it before its optimizer update (wait_staged in run()).
  shard_writer_.start(plan.checkpoint_step, plan.checkpoint_folder, *shard_file_,
                      [this, staging = std::move(staging_)]() mutable {
                        return training::snapshot_training_state(trainer_, writes_weights_,
                                                                 std::move(staging));
                      });
  if (!config_.checkpoint.async) collect(shard_writer_.wait(), report);
  report.save_blocked_seconds +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

control::WorkReport WorkerEngine::run(const control::WorkPlan& plan) {
  control::WorkReport report;
  report.worker_rank = worker_rank_;
  if (plan.kind == control::WorkPlan::kFlush) {
    collect(shard_writer_.wait(), report);
    return report;
  }
  if (plan.kind == control::WorkPlan::kSave) {
    start_save(plan, report);
  } else {
    ensure_loader(plan.step.stage, plan.samples_consumed);
    const data::LoadedBatch loaded = loader_->next();
    const StageConfig& stage = config_.curriculum.stages.at(static_cast<size_t>(plan.step.stage));
    expected_samples_consumed_ = plan.samples_consumed + stage.global_batch;

    // A background snapshot must end before this step's update changes the state.
    report.step = trainer_.train_step(loaded.batch, plan.step, [&] {
      const auto waiting = std::chrono::steady_clock::now();
      shard_writer_.wait_staged();
      report.save_blocked_seconds +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - waiting).count();
    });
    report.data_wait_seconds = loaded.wait_seconds;
    report.bucket[0] = loaded.batch.bucket.frames;
    report.bucket[1] = loaded.batch.bucket.height;
    report.bucket[2] = loaded.batch.bucket.width;
    report.tokens_per_sample = loaded.batch.grid.tokens();
    report.peak_memory_bytes = peak_memory_bytes(device_).value_or(-1);
    report.device_peak_flops = device_peak_flops_;
    if (plan.checkpoint_folder[0] != '\0') start_save(plan, report);
  }
  if (report.saved_step < 0) collect(shard_writer_.poll(), report);
  return report;
}

}  // namespace vdit
