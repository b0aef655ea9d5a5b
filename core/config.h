// The run config: every field of a vdit TOML file, documented where declared, with its default.
// Reading, overrides and validation live in config_io.h / config_validate.h; this file is data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/patch_geometry.h"

namespace vdit {

struct ModelConfig {
  // Named size (see core/model_presets.h): vdit-tiny, vdit-s, vdit-b, vdit-xl. Fields below that
  // are > 0 override the preset.
  std::string preset = "vdit-tiny";
  int64_t hidden_size = 0;  // token width D
  int64_t depth = 0;        // number of DiT blocks
  int64_t num_heads = 0;    // attention heads (must divide by tp * sp)
  double mlp_ratio = 0;     // MLP hidden = mlp_ratio * D
  // Spatial patch size p and temporal patch size pt: a token covers pt x p x p pixels.
  int64_t patch_size = 4;
  int64_t patch_frames = 1;
  PatchSize patch() const { return {patch_frames, patch_size}; }
  int64_t channels = 3;  // 3 for RGB pixels, the latent channels for latent shards
  // What the tokens are: "pixel" (RGB shards) or "latent" (shards packed with `vdit data pack
  // --vae`); the shards' space must match. `vdit sample` decodes a latent model's samples with the
  // VAE given by --vae.
  std::string space = "pixel";
  // Checksums ("crc32:<8 hex>-<bytes>") of the VAE and text encoder files the shards were packed
  // with. Empty = taken from the shards when training starts, so that the run's config.toml and
  // every checkpoint record them; `vdit sample` warns when its --vae / --text-encoder differ. A
  // value that differs from the shards' is a pre-flight error.
  std::string vae_checksum;
  std::string text_encoder_checksum;
  // Caption condition: "ids" = byte-level caption ids through the built-in text encoder;
  // "embeddings" = precomputed caption embeddings stored in the shards (caption_emb).
  std::string condition = "ids";
  int64_t caption_length = 32;     // condition tokens Lc
  int64_t caption_vocab = 257;     // byte tokenizer: 256 bytes + padding
  int64_t caption_embed_dim = 0;   // D of precomputed embeddings ("embeddings" only)
  int64_t text_encoder_depth = 1;  // self-attention layers of the built-in text encoder

  template <class V>
  void visit(V& v) {
    v("preset", preset);
    v("hidden_size", hidden_size);
    v("depth", depth);
    v("num_heads", num_heads);
    v("mlp_ratio", mlp_ratio);
    v("patch_size", patch_size);
    v("patch_frames", patch_frames);
    v("channels", channels);
    v("space", space);
    v("vae_checksum", vae_checksum);
    v("text_encoder_checksum", text_encoder_checksum);
    v("condition", condition);
    v("caption_length", caption_length);
    v("caption_vocab", caption_vocab);
    v("caption_embed_dim", caption_embed_dim);
    v("text_encoder_depth", text_encoder_depth);
  }
};

struct DiffusionConfig {
  std::string schedule = "linear";  // "linear" (the seed's betas) or "cosine"
  int64_t timesteps = 1000;
  double beta_start = 1e-4;  // linear schedule only
  double beta_end = 0.02;
  // Content-adaptive noise level: alpha_bar^(1 + 0.5 c), c in [0, 1] from the clip's spatial and
  // temporal gradient magnitude (busier clips are noised harder).
  bool content_adaptive = true;
  std::string prediction = "epsilon";  // "epsilon" or "v"
  std::string sampler = "ddim";        // "ddim" or "ddpm"
  int64_t sample_steps = 50;           // DDIM steps (DDPM always uses every timestep)
  double guidance_scale = 4.0;         // classifier-free guidance; 1 = off
  double condition_dropout = 0.1;      // probability a training sample sees the empty caption
  // Training timesteps: 1 = uniform over [0, timesteps); s > 1 draws more of them at high noise
  // (u -> s u / (1 + (s - 1) u), see worker/diffusion/timestep_sampling.h). Sampling is unchanged.
  double timestep_shift = 1.0;

  template <class V>
  void visit(V& v) {
    v("schedule", schedule);
    v("timesteps", timesteps);
    v("beta_start", beta_start);
    v("beta_end", beta_end);
    v("content_adaptive", content_adaptive);
    v("prediction", prediction);
    v("sampler", sampler);
    v("sample_steps", sample_steps);
    v("guidance_scale", guidance_scale);
    v("condition_dropout", condition_dropout);
    v("timestep_shift", timestep_shift);
  }
};

struct OptimizerConfig {
  double lr = 3e-4;  // peak learning rate (AdamW)
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
  int64_t warmup_steps = 20;  // linear warmup from 0, then cosine decay to min_lr_ratio * lr
  double min_lr_ratio = 0.1;
  double grad_clip = 1.0;    // global-norm clipping; 0 = off
  double ema_decay = 0.999;  // EMA of weights used for sampling; 0 = off
  bool zero1 = false;        // shard AdamW state across dp (ZeRO-1)

  template <class V>
  void visit(V& v) {
    v("lr", lr);
    v("beta1", beta1);
    v("beta2", beta2);
    v("eps", eps);
    v("weight_decay", weight_decay);
    v("warmup_steps", warmup_steps);
    v("min_lr_ratio", min_lr_ratio);
    v("grad_clip", grad_clip);
    v("ema_decay", ema_decay);
    v("zero1", zero1);
  }
};

struct TrainingConfig {
  int64_t seed = 0;
  // Total optimizer steps when the curriculum has no stages; otherwise the stages decide.
  int64_t steps = 100;
  int64_t global_batch = 8;  // samples per optimizer step, over all data-parallel ranks
  int64_t micro_batch = 0;   // samples per forward on one rank; 0 = the whole local batch
  int64_t log_every = 10;    // console + metrics.jsonl every k steps
  // Activation checkpointing: "none", "full" (every block), or "every:k" (every k-th block).
  std::string activation_checkpointing = "none";
  std::string precision = "fp32";  // "fp32" or "bf16" (autocast on CUDA; fp32 master weights)
  std::string device = "cpu";      // "cpu" or "cuda"
  double max_minutes = 0;          // stop (and save) after this wall time; 0 = no limit
  // Stop (and save) after this many steps in this invocation; a later `vdit train` resumes. 0 =
  // off.
  int64_t stop_after_steps = 0;

  template <class V>
  void visit(V& v) {
    v("seed", seed);
    v("steps", steps);
    v("global_batch", global_batch);
    v("micro_batch", micro_batch);
    v("log_every", log_every);
    v("activation_checkpointing", activation_checkpointing);
    v("precision", precision);
    v("device", device);
    v("max_minutes", max_minutes);
    v("stop_after_steps", stop_after_steps);
  }
};

struct ParallelConfig {
  // Worker mesh dp x sp x tp; the product must equal the number of worker ranks (world size - 1).
  int64_t dp = 1;
  int64_t sp = 1;
  int64_t tp = 1;
  double heartbeat_timeout_s = 60;  // a worker silent this long ends the job with a message

  template <class V>
  void visit(V& v) {
    v("dp", dp);
    v("sp", sp);
    v("tp", tp);
    v("heartbeat_timeout_s", heartbeat_timeout_s);
  }
};

struct DataConfig {
  // Shard files (*.h5) or folders of them; relative paths are relative to the config file. Empty:
  // `vdit train` writes a synthetic captioned set into <run>/data and trains on it.
  std::vector<std::string> shards;
  int64_t prefetch_batches = 4;  // batches read ahead by the background reader
  int64_t synthetic_clips_per_bucket = 64;
  // Buckets "TxHxW" of the synthetic set; empty = vdit data synth's default (all five stages).
  std::vector<std::string> synthetic_buckets;

  template <class V>
  void visit(V& v) {
    v("shards", shards);
    v("prefetch_batches", prefetch_batches);
    v("synthetic_clips_per_bucket", synthetic_clips_per_bucket);
    v("synthetic_buckets", synthetic_buckets);
  }
};

struct CheckpointConfig {
  int64_t every_steps = 0;  // save every k steps; 0 = only at the end and on signals
  int64_t keep_last = 3;    // retention: the newest K ...
  int64_t keep_every = 0;   // ... plus every M-th step (0 = none)
  bool async = true;        // write in a background thread after a host snapshot

  template <class V>
  void visit(V& v) {
    v("every_steps", every_steps);
    v("keep_last", keep_last);
    v("keep_every", keep_every);
    v("async", async);
  }
};

// One curriculum stage: which data, how long, which losses.
struct StageConfig {
  std::string name;
  int64_t frames_min = 1;  // clips with frames in [frames_min, frames_max] are eligible
  int64_t frames_max = 1;
  std::vector<std::string> resolutions;  // "HxW" buckets to use; empty = any
  int64_t steps = 0;                     // advance after this many steps (the cap with plateau)
  int64_t global_batch = 0;              // 0 = training.global_batch
  double lr_scale = 1.0;                 // multiplies the LR schedule
  std::string activation_checkpointing;  // empty = training.activation_checkpointing
  // Advance rule: "steps" (after `steps`), or "plateau" (smoothed loss improved by less than
  // min_delta for `patience` logged steps, at least min_steps, at most `steps`).
  std::string advance = "steps";
  int64_t min_steps = 0;
  int64_t patience = 5;
  double min_delta = 1e-3;
  // Stage loss weights on the predicted clean video (the seed's values are the defaults of the
  // five-stage preset).
  double temporal_weight = 0.0;
  double motion_weight = 0.0;
  double perceptual_weight = 0.0;
  double condition_dropout = -1;  // < 0: diffusion.condition_dropout

  template <class V>
  void visit(V& v) {
    v("name", name);
    v("frames_min", frames_min);
    v("frames_max", frames_max);
    v("resolutions", resolutions);
    v("steps", steps);
    v("global_batch", global_batch);
    v("lr_scale", lr_scale);
    v("activation_checkpointing", activation_checkpointing);
    v("advance", advance);
    v("min_steps", min_steps);
    v("patience", patience);
    v("min_delta", min_delta);
    v("temporal_weight", temporal_weight);
    v("motion_weight", motion_weight);
    v("perceptual_weight", perceptual_weight);
    v("condition_dropout", condition_dropout);
  }
};

struct CurriculumConfig {
  // TorchScript feature network for the perceptual loss; empty = the perceptual term is off.
  std::string perceptual_network;
  std::vector<StageConfig> stages;  // [[curriculum.stages]]; empty = one stage over all data

  template <class V>
  void visit(V& v) {
    v("perceptual_network", perceptual_network);
    v("stages", stages);
  }
};

// How `vdit submit` asks Slurm for the job (slurm/, README "Running on Slurm"). `vdit train`
// ignores this section; each field may also be given as the `vdit submit` flag of the same name
// (`gpus_per_node` <-> `--gpus-per-node`), and the flag wins.
struct SlurmConfig {
  int64_t nodes = 1;
  int64_t gpus_per_node = 0;     // 0 = CPU workers
  int64_t workers_per_node = 0;  // worker tasks per node; 0 = gpus_per_node, or 1 without GPUs
  int64_t cpus_per_worker = 1;   // CPUs per task (the coordinator task gets as many)
  // Time limit in Slurm's syntax (MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS); empty = the
  // partition's default.
  std::string time;
  std::string partition;   // empty = the cluster's default partition
  std::string account;     // empty = the user's default account
  std::string qos;         // empty = the default QOS
  std::string constraint;  // node features, e.g. "a100&ib"; empty = any node
  // The warning Slurm sends signal_lead seconds before the time limit: USR2 or USR1 (some NCCL
  // versions catch USR1 for their own debugging, NVIDIA/nccl#704).
  std::string signal = "USR2";
  int64_t signal_lead = 120;
  // Requeues after a time limit, per submission; preemptions are requeued without counting.
  int64_t max_requeues = 3;
  std::string launcher = "srun";  // "srun" or "mpirun" (started inside the allocation)
  std::string srun_mpi = "pmix";  // srun --mpi plugin (the one OpenMPI was built for)

  template <class V>
  void visit(V& v) {
    v("nodes", nodes);
    v("gpus_per_node", gpus_per_node);
    v("workers_per_node", workers_per_node);
    v("cpus_per_worker", cpus_per_worker);
    v("time", time);
    v("partition", partition);
    v("account", account);
    v("qos", qos);
    v("constraint", constraint);
    v("signal", signal);
    v("signal_lead", signal_lead);
    v("max_requeues", max_requeues);
    v("launcher", launcher);
    v("srun_mpi", srun_mpi);
  }
};

struct RunConfig {
  ModelConfig model;
  DiffusionConfig diffusion;
  OptimizerConfig optimizer;
  TrainingConfig training;
  ParallelConfig parallel;
  DataConfig data;
  CheckpointConfig checkpoint;
  CurriculumConfig curriculum;
  SlurmConfig slurm;
  std::string source;  // the file it was read from (for messages); not a TOML field

  template <class V>
  void visit(V& v) {
    v("model", model);
    v("diffusion", diffusion);
    v("optimizer", optimizer);
    v("training", training);
    v("parallel", parallel);
    v("data", data);
    v("checkpoint", checkpoint);
    v("curriculum", curriculum);
    v("slurm", slurm);
  }
};

}  // namespace vdit
