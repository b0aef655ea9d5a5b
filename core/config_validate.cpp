// Field checks for RunConfig; one helper builds every message so they all read the same way.
#include "core/config_validate.h"

#include <fmt/core.h>

#include <string>

#include "core/error.h"
#include "core/model_presets.h"

namespace vdit {
namespace {

class Checker {
 public:
  explicit Checker(const std::string& source) : source_(source) {}

  template <class T>
  void require(bool ok, const std::string& field, const T& found,
               const std::string& expected) const {
    if (!ok) {
      throw InputError(
          fmt::format("{}: {}: found {}, expected {}", source_, field, found, expected));
    }
  }
  void one_of(const std::string& value, const std::string& field,
              std::initializer_list<const char*> allowed) const {
    std::string names;
    for (const char* name : allowed) {
      if (value == name) return;
      names += (names.empty() ? "" : " or ") + fmt::format("\"{}\"", name);
    }
    require(false, field, fmt::format("\"{}\"", value), names);
  }

 private:
  const std::string& source_;
};

void validate_model(const ModelConfig& m, const Checker& check) {
  check.require(m.hidden_size > 0, "model.hidden_size", m.hidden_size, "> 0");
  check.require(m.depth > 0, "model.depth", m.depth, "> 0");
  check.require(m.num_heads > 0, "model.num_heads", m.num_heads, "> 0");
  check.require(m.hidden_size % m.num_heads == 0, "model.hidden_size", m.hidden_size,
                fmt::format("a multiple of model.num_heads ({})", m.num_heads));
  check.require((m.hidden_size / m.num_heads) % 2 == 0, "model.hidden_size / model.num_heads",
                m.hidden_size / m.num_heads, "an even head width");
  check.require(m.mlp_ratio > 0, "model.mlp_ratio", m.mlp_ratio, "> 0");
  check.require(m.patch_size > 0, "model.patch_size", m.patch_size, "> 0");
  check.require(m.patch_frames > 0, "model.patch_frames", m.patch_frames, "> 0");
  check.require(m.channels > 0, "model.channels", m.channels, "> 0");
  check.one_of(m.space, "model.space", {"pixel", "latent"});
  check.one_of(m.condition, "model.condition", {"ids", "embeddings"});
  check.require(m.caption_length > 0, "model.caption_length", m.caption_length, "> 0");
  check.require(m.caption_vocab > 1, "model.caption_vocab", m.caption_vocab, "> 1");
  if (m.condition == "embeddings") {
    check.require(m.caption_embed_dim > 0, "model.caption_embed_dim", m.caption_embed_dim,
                  "> 0 when model.condition = \"embeddings\"");
  }
  check.require(m.text_encoder_depth >= 0, "model.text_encoder_depth", m.text_encoder_depth,
                ">= 0");
}

void validate_diffusion(const DiffusionConfig& d, const Checker& check) {
  check.one_of(d.schedule, "diffusion.schedule", {"linear", "cosine"});
  check.require(d.timesteps >= 2, "diffusion.timesteps", d.timesteps, ">= 2");
  check.require(d.beta_start > 0 && d.beta_start < d.beta_end && d.beta_end < 1,
                "diffusion.beta_start/beta_end", fmt::format("{}/{}", d.beta_start, d.beta_end),
                "0 < beta_start < beta_end < 1");
  check.one_of(d.prediction, "diffusion.prediction", {"epsilon", "v"});
  check.one_of(d.sampler, "diffusion.sampler", {"ddim", "ddpm"});
  check.require(d.sample_steps >= 1 && d.sample_steps <= d.timesteps, "diffusion.sample_steps",
                d.sample_steps, fmt::format("in [1, diffusion.timesteps = {}]", d.timesteps));
  check.require(d.guidance_scale >= 0, "diffusion.guidance_scale", d.guidance_scale, ">= 0");
  check.require(d.condition_dropout >= 0 && d.condition_dropout < 1, "diffusion.condition_dropout",
                d.condition_dropout, "in [0, 1)");
  check.require(d.timestep_shift > 0, "diffusion.timestep_shift", d.timestep_shift, "> 0");
}

void validate_optimizer(const OptimizerConfig& o, const Checker& check) {
  check.require(o.lr > 0, "optimizer.lr", o.lr, "> 0");
  check.require(o.beta1 >= 0 && o.beta1 < 1, "optimizer.beta1", o.beta1, "in [0, 1)");
  check.require(o.beta2 >= 0 && o.beta2 < 1, "optimizer.beta2", o.beta2, "in [0, 1)");
  check.require(o.eps > 0, "optimizer.eps", o.eps, "> 0");
  check.require(o.weight_decay >= 0, "optimizer.weight_decay", o.weight_decay, ">= 0");
  check.require(o.warmup_steps >= 0, "optimizer.warmup_steps", o.warmup_steps, ">= 0");
  check.require(o.min_lr_ratio >= 0 && o.min_lr_ratio <= 1, "optimizer.min_lr_ratio",
                o.min_lr_ratio, "in [0, 1]");
  check.require(o.grad_clip >= 0, "optimizer.grad_clip", o.grad_clip, ">= 0 (0 = off)");
  check.require(o.ema_decay >= 0 && o.ema_decay < 1, "optimizer.ema_decay", o.ema_decay,
                "in [0, 1) (0 = off)");
}

void validate_training(const TrainingConfig& t, const Checker& check, const std::string& source) {
  check.require(t.steps > 0, "training.steps", t.steps, "> 0");
  check.require(t.global_batch > 0, "training.global_batch", t.global_batch, "> 0");
  check.require(t.micro_batch >= 0, "training.micro_batch", t.micro_batch,
                ">= 0 (0 = whole local batch)");
  check.require(t.log_every > 0, "training.log_every", t.log_every, "> 0");
  checkpoint_every(t.activation_checkpointing, "training.activation_checkpointing", source);
  check.one_of(t.precision, "training.precision", {"fp32", "bf16"});
  check.one_of(t.device, "training.device", {"cpu", "cuda"});
  // Autocast is a CUDA feature here: a CPU run asked for bf16 would silently compute in fp32.
  check.require(t.precision != "bf16" || t.device == "cuda", "training.precision",
                "\"bf16\" with training.device = \"" + t.device + "\"",
                "\"fp32\" (bf16 autocast runs on CUDA only: set training.device = \"cuda\")");
  check.require(t.stop_after_steps >= 0, "training.stop_after_steps", t.stop_after_steps,
                ">= 0 (0 = off)");
  check.require(t.max_minutes >= 0, "training.max_minutes", t.max_minutes, ">= 0 (0 = no limit)");
}

void validate_stage(StageConfig& stage, size_t index, const RunConfig& config,
                    const Checker& check) {
  const std::string prefix = fmt::format("curriculum.stages.{}.", index);
  if (stage.name.empty()) stage.name = fmt::format("stage{}", index + 1);
  if (stage.global_batch <= 0) stage.global_batch = config.training.global_batch;
  if (stage.activation_checkpointing.empty()) {
    stage.activation_checkpointing = config.training.activation_checkpointing;
  }
  if (stage.condition_dropout < 0) stage.condition_dropout = config.diffusion.condition_dropout;
  check.require(stage.frames_min >= 1 && stage.frames_min <= stage.frames_max,
                prefix + "frames_min/frames_max",
                fmt::format("{}/{}", stage.frames_min, stage.frames_max),
                "1 <= frames_min <= frames_max");
  for (const std::string& resolution : stage.resolutions) {
    int64_t height = 0, width = 0;
    char separator = 0;
    const bool parsed =
        std::sscanf(resolution.c_str(), "%ld%c%ld", &height, &separator, &width) == 3;
    check.require(parsed && separator == 'x' && height > 0 && width > 0, prefix + "resolutions",
                  fmt::format("\"{}\"", resolution), "\"HxW\" such as \"64x64\"");
  }
  check.require(stage.steps > 0, prefix + "steps", stage.steps, "> 0");
  check.require(stage.lr_scale > 0, prefix + "lr_scale", stage.lr_scale, "> 0");
  checkpoint_every(stage.activation_checkpointing, prefix + "activation_checkpointing",
                   config.source);
  check.one_of(stage.advance, prefix + "advance", {"steps", "plateau"});
  check.require(stage.min_steps >= 0 && stage.min_steps <= stage.steps, prefix + "min_steps",
                stage.min_steps, fmt::format("in [0, steps = {}]", stage.steps));
  check.require(stage.patience > 0, prefix + "patience", stage.patience, "> 0");
  check.require(stage.min_delta >= 0, prefix + "min_delta", stage.min_delta, ">= 0");
  check.require(stage.temporal_weight >= 0, prefix + "temporal_weight", stage.temporal_weight,
                ">= 0");
  check.require(stage.motion_weight >= 0, prefix + "motion_weight", stage.motion_weight, ">= 0");
  check.require(stage.perceptual_weight >= 0, prefix + "perceptual_weight", stage.perceptual_weight,
                ">= 0");
  check.require(stage.perceptual_weight == 0 || !config.curriculum.perceptual_network.empty(),
                prefix + "perceptual_weight", stage.perceptual_weight,
                "0 unless curriculum.perceptual_network names a TorchScript feature network file");
  check.require(stage.condition_dropout < 1, prefix + "condition_dropout", stage.condition_dropout,
                "< 1");
}

}  // namespace

int64_t checkpoint_every(const std::string& mode, const std::string& field,
                         const std::string& source) {
  if (mode == "none") return 0;
  if (mode == "full") return 1;
  if (mode.rfind("every:", 0) == 0) {
    try {
      size_t used = 0;
      const int64_t every = std::stoll(mode.substr(6), &used);
      if (used == mode.size() - 6 && every >= 1) return every;
    } catch (const std::exception&) {
    }
  }
  throw InputError(
      fmt::format("{}: {}: found \"{}\", expected \"none\", \"full\" or \"every:k\" with k >= 1",
                  source, field, mode));
}

void resolve_and_validate(RunConfig& config) {
  const Checker check(config.source);
  apply_model_preset(config.model, config.source);
  validate_model(config.model, check);
  validate_diffusion(config.diffusion, check);
  validate_optimizer(config.optimizer, check);
  validate_training(config.training, check, config.source);
  const ParallelConfig& p = config.parallel;
  check.require(p.dp >= 1, "parallel.dp", p.dp, ">= 1");
  check.require(p.sp >= 1, "parallel.sp", p.sp, ">= 1");
  check.require(p.tp >= 1, "parallel.tp", p.tp, ">= 1");
  check.require(p.heartbeat_timeout_s > 0, "parallel.heartbeat_timeout_s", p.heartbeat_timeout_s,
                "> 0");
  check.require(config.data.prefetch_batches >= 1, "data.prefetch_batches",
                config.data.prefetch_batches, ">= 1");
  check.require(config.data.synthetic_clips_per_bucket >= 1, "data.synthetic_clips_per_bucket",
                config.data.synthetic_clips_per_bucket, ">= 1");
  for (const std::string& bucket : config.data.synthetic_buckets) {
    int64_t frames = 0, height = 0, width = 0;
    char x1 = 0, x2 = 0;
    const bool parsed =
        std::sscanf(bucket.c_str(), "%ld%c%ld%c%ld", &frames, &x1, &height, &x2, &width) == 5;
    check.require(parsed && x1 == 'x' && x2 == 'x' && frames > 0 && height > 0 && width > 0,
                  "data.synthetic_buckets", fmt::format("\"{}\"", bucket),
                  "\"TxHxW\" such as \"8x32x32\"");
  }
  check.require(config.checkpoint.every_steps >= 0, "checkpoint.every_steps",
                config.checkpoint.every_steps, ">= 0");
  check.require(config.checkpoint.keep_last >= 1, "checkpoint.keep_last",
                config.checkpoint.keep_last, ">= 1");
  check.require(config.checkpoint.keep_every >= 0, "checkpoint.keep_every",
                config.checkpoint.keep_every, ">= 0");
  if (config.curriculum.stages.empty()) {
    // No curriculum: one stage of training.steps steps over every bucket.
    StageConfig all;
    all.name = "all";
    all.frames_min = 1;
    all.frames_max = 1 << 30;
    all.steps = config.training.steps;
    config.curriculum.stages.push_back(all);
  }
  for (size_t i = 0; i < config.curriculum.stages.size(); ++i) {
    validate_stage(config.curriculum.stages[i], i, config, check);
  }
}

}  // namespace vdit
