#include "orchestrator/single_process_run.h"

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>

#include <fmt/core.h>

#include "checkpoints/async_checkpoint_writer.h"
#include "checkpoints/checkpoint_reader.h"
#include "core/config_io.h"
#include "core/config_validate.h"
#include "core/error.h"
#include "data/loader.h"
#include "data/synthetic_videos.h"
#include "orchestrator/curriculum.h"
#include "orchestrator/metrics_log.h"
#include "orchestrator/run_directory.h"
#include "orchestrator/run_state.h"
#include "worker/model/flop_count.h"
#include "worker/training/device_peak.h"
#include "worker/training/lr_schedule.h"
#include "worker/training/trainer.h"
#include "worker/training/training_state.h"

namespace vdit::orchestrator {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

RunConfig resolve_config(const TrainRequest& request) {
  RunConfig config = request.config_path.empty() ? parse_run_config("", "<defaults>", request.overrides)
                                                  : load_run_config(request.config_path, request.overrides);
  resolve_and_validate(config);
  const ParallelConfig& p = config.parallel;
  if (p.dp * p.sp * p.tp != 1) {
    throw InputError(fmt::format(
        "{}: parallel: dp({}) x sp({}) x tp({}) = {} worker ranks, but `vdit train` without a launcher runs one "
        "worker; start it as `mpirun -np {} vdit train ...` (1 coordinator + {} workers)",
        config.source, p.dp, p.sp, p.tp, p.dp * p.sp * p.tp, p.dp * p.sp * p.tp + 1, p.dp * p.sp * p.tp));
  }
  if (config.training.device == "cuda" && !torch::cuda::is_available()) {
    throw InputError(fmt::format("{}: training.device: found \"cuda\", expected \"cpu\": this LibTorch build sees no "
                                 "CUDA device",
                                 config.source));
  }
  return config;
}

// Shard files from data.shards (files or folders of *.h5, relative to the config file), or a
// synthetic set written once into the run folder when none are configured.
std::vector<std::string> resolve_shards(const RunConfig& config, const TrainRequest& request, const RunDirectory& run) {
  std::vector<std::string> shards;
  const fs::path base = request.config_path.empty() ? fs::current_path() : fs::path(request.config_path).parent_path();
  for (const std::string& entry : config.data.shards) {
    const fs::path path = fs::path(entry).is_absolute() ? fs::path(entry) : base / entry;
    if (fs::is_directory(path)) {
      std::vector<std::string> found;
      for (const auto& file : fs::directory_iterator(path)) {
        if (file.path().extension() == ".h5") found.push_back(file.path().string());
      }
      std::sort(found.begin(), found.end());
      if (found.empty()) throw InputError(fmt::format("{}: data.shards: folder {} holds no *.h5 shard", config.source, path.string()));
      shards.insert(shards.end(), found.begin(), found.end());
    } else if (fs::exists(path)) {
      shards.push_back(path.string());
    } else {
      throw InputError(fmt::format("{}: data.shards: {} does not exist", config.source, path.string()));
    }
  }
  if (!shards.empty()) return shards;
  data::SynthOptions synth;
  synth.out_dir = run.data();
  synth.seed = static_cast<uint64_t>(config.training.seed);
  synth.clips_per_bucket = config.data.synthetic_clips_per_bucket;
  synth.patch = data::PatchSize{config.model.patch_frames, config.model.patch_size};
  synth.caption_length = config.model.caption_length;
  if (!config.data.synthetic_buckets.empty()) {
    synth.buckets.clear();
    for (const std::string& bucket : config.data.synthetic_buckets) {
      data::BucketShape shape;
      std::sscanf(bucket.c_str(), "%ldx%ldx%ld", &shape.frames, &shape.height, &shape.width);  // validated
      synth.buckets.push_back(shape);
    }
  }
  if (fs::exists(run.data())) {
    for (const auto& file : fs::directory_iterator(run.data())) {
      if (file.path().extension() == ".h5") shards.push_back(file.path().string());
    }
    std::sort(shards.begin(), shards.end());
    if (!shards.empty()) return shards;
  }
  fmt::print("data: no data.shards configured; writing a synthetic captioned set to {}\n", run.data());
  return data::write_synthetic_dataset(synth);
}

std::unique_ptr<data::StreamingLoader> make_loader(const RunConfig& config, const std::vector<std::string>& shards,
                                                   const Curriculum& curriculum) {
  const StageConfig& stage = curriculum.stage();
  data::LoaderOptions options;
  options.shard_paths = shards;
  options.expected.channels = config.model.channels;
  options.expected.patch = data::PatchSize{config.model.patch_frames, config.model.patch_size};
  options.filter.frames_min = stage.frames_min;
  options.filter.frames_max = stage.frames_max;
  options.filter.resolutions = stage.resolutions;
  options.seed = static_cast<uint64_t>(config.training.seed);
  options.stage = curriculum.position().stage;
  options.global_batch_size = stage.global_batch;
  options.samples_consumed = curriculum.position().samples_consumed;
  options.prefetch_depth = static_cast<int>(config.data.prefetch_batches);
  auto loader = std::make_unique<data::StreamingLoader>(options);
  for (const auto& warning : loader->warnings()) fmt::print("data: warning: {}\n", warning);
  return loader;
}

}  // namespace

int run_single_process(const TrainRequest& request) {
  const RunConfig config = resolve_config(request);
  const RunDirectory run(request.run_dir);
  run.write_config(config);
  const std::vector<std::string> shards = resolve_shards(config, request, run);
  const torch::Device device(config.training.device == "cuda" ? torch::kCUDA : torch::kCPU);

  Curriculum curriculum(config);
  training::Trainer trainer(config, device);
  for (const auto& stage : curriculum.stages()) {
    if (stage.perceptual_weight > 0) {
      fmt::print("loss: stage {} asks for perceptual_weight {}, but the perceptual term is not built yet in this "
                 "version: it is off\n",
                 stage.name, stage.perceptual_weight);
    }
  }
  if (config.training.precision == "bf16" && device.is_cpu()) {
    fmt::print("precision: bf16 autocast applies on CUDA; this CPU run computes in fp32\n");
  }

  // Resume.
  if (request.resume != "none") {
    std::vector<std::string> warnings;
    std::optional<checkpoints::LoadedCheckpoint> checkpoint;
    if (request.resume == "auto") {
      checkpoint = checkpoints::find_latest_checkpoint(run.checkpoints(), warnings);
    } else {
      checkpoint = checkpoints::open_checkpoint(request.resume);
    }
    for (const auto& warning : warnings) fmt::print("checkpoint: warning: {}\n", warning);
    if (checkpoint) {
      training::restore_training_state(trainer, *checkpoint);
      curriculum.restore(parse_run_state(checkpoint->state_json, checkpoint->path));
      fmt::print("resumed from {} (step {}, stage {})\n", checkpoint->path, curriculum.position().step,
                 curriculum.position().stage + 1);
    }
  }

  const training::LrSchedule lr_schedule{config.optimizer.lr, config.optimizer.warmup_steps,
                                         curriculum.max_total_steps(), config.optimizer.min_lr_ratio};
  const double peak_flops = training::measured_matmul_flops_per_second(device);
  const auto& model_options = trainer.model()->options;
  MetricsLog metrics_log(run.metrics_path());
  checkpoints::AsyncCheckpointWriter writer;
  const auto started = Clock::now();
  const int64_t stage_count = static_cast<int64_t>(curriculum.stages().size());

  auto save = [&]() {
    checkpoints::CheckpointMeta meta;
    meta.step = curriculum.position().step;
    meta.json_state = run_state_json(curriculum.position(), 1, 1, 1);
    meta.config_toml = to_toml(config);
    std::vector<checkpoints::ShardFile> files;
    files.push_back({"model-tp0-of-1.h5", training::snapshot_training_state(trainer)});
    if (config.checkpoint.async) {
      writer.submit(run.checkpoints(), meta, std::move(files));
    } else {
      checkpoints::write_checkpoint(run.checkpoints(), meta, files);
      checkpoints::apply_retention(run.checkpoints(), config.checkpoint.keep_last, config.checkpoint.keep_every);
    }
    fmt::print("checkpoint: step {} saved{}\n", meta.step, config.checkpoint.async ? " (writing in background)" : "");
  };

  std::unique_ptr<data::StreamingLoader> loader;
  int64_t loader_stage = -1;
  const int64_t first_step = curriculum.position().step;
  bool out_of_time = false;
  while (!curriculum.finished() && !out_of_time) {
    const CurriculumPosition position = curriculum.position();
    const StageConfig stage = curriculum.stage();
    if (loader_stage != position.stage) {
      loader.reset();  // joins the previous stage's reader first
      loader = make_loader(config, shards, curriculum);
      loader_stage = position.stage;
      fmt::print("stage {}/{} {}: {} steps cap, global batch {}, advance by {}\n", position.stage + 1, stage_count,
                 stage.name, stage.steps, stage.global_batch, stage.advance);
    }
    const auto step_start = Clock::now();
    const data::LoadedBatch loaded = loader->next();
    training::StepPlan plan;
    plan.step = position.step;
    plan.stage = position.stage;
    plan.lr = lr_schedule.at(position.step) * stage.lr_scale;
    plan.checkpoint_every = checkpoint_every(stage.activation_checkpointing, "activation_checkpointing", config.source);
    plan.temporal_weight = stage.temporal_weight;
    plan.motion_weight = stage.motion_weight;
    plan.condition_dropout = stage.condition_dropout;
    const training::StepReport report = trainer.train_step(loaded.batch, plan);
    const double wall = std::chrono::duration<double>(Clock::now() - step_start).count();
    const bool stage_changed = curriculum.record_step(report.loss);

    if (curriculum.position().step % config.training.log_every == 0 || stage_changed) {
      StepMetrics m;
      m.step = position.step + 1;
      m.stage = position.stage + 1;
      m.stage_name = stage.name;
      m.loss = report.loss;
      m.diffusion_loss = report.diffusion_loss;
      m.temporal_loss = report.temporal_loss;
      m.motion_loss = report.motion_loss;
      m.grad_norm = report.grad_norm;
      m.lr = plan.lr;
      m.samples_per_second = report.samples / wall;
      m.tokens_per_second = report.tokens / wall;
      m.step_seconds = wall;
      m.data_wait_percent = 100.0 * loaded.wait_seconds / wall;
      m.peak_memory_mb = peak_memory_mb();
      const int64_t tokens_per_sample = loaded.batch.grid.tokens();
      m.mfu = report.samples * model::training_flops_per_sample(model_options, tokens_per_sample) / wall / peak_flops;
      m.samples_consumed = position.samples_consumed + stage.global_batch;
      m.bucket = loaded.batch.bucket.name();
      metrics_log.write(m);
      fmt::print("{}\n", console_line(m, stage_count));
    }
    if (stage_changed) {
      fmt::print("curriculum: stage {} done after {} steps ({})\n", stage.name, position.stage_step + 1,
                 curriculum.last_advance_reason());
    }
    const int64_t every = config.checkpoint.every_steps;
    if (every > 0 && curriculum.position().step % every == 0 && !curriculum.finished()) save();
    const double minutes = std::chrono::duration<double>(Clock::now() - started).count() / 60.0;
    if (config.training.max_minutes > 0 && minutes >= config.training.max_minutes) {
      fmt::print("training.max_minutes = {} reached after {} steps: saving and stopping\n", config.training.max_minutes,
                 curriculum.position().step);
      out_of_time = true;
    }
    const int64_t stop_after = config.training.stop_after_steps;
    if (stop_after > 0 && curriculum.position().step - first_step >= stop_after && !curriculum.finished()) {
      fmt::print("training.stop_after_steps = {} reached at step {}: saving and stopping (resume with the same "
                 "command)\n", stop_after, curriculum.position().step);
      out_of_time = true;
    }
  }
  save();
  writer.wait();
  checkpoints::apply_retention(run.checkpoints(), config.checkpoint.keep_last, config.checkpoint.keep_every);
  fmt::print("done: {} steps, run folder {}\n", curriculum.position().step, run.root());
  return 0;
}

}  // namespace vdit::orchestrator
