// The worker's training engine: one optimizer step on this rank's part of a global batch, as
// planned by the coordinator. Owns the model, AdamW, the EMA and the diffusion process.
#pragma once

#include <cstdint>
#include <memory>

#include <torch/optim/adamw.h>

#include "core/config.h"
#include "data/local_batch.h"
#include "worker/diffusion/gaussian_diffusion.h"
#include "worker/model/video_dit.h"
#include "worker/training/ema.h"

namespace vdit::training {

// What the coordinator decides for one optimizer step.
struct StepPlan {
  int64_t step = 0;   // global optimizer step, 0-based; keys the counter-based noise
  int64_t stage = 0;  // curriculum stage index
  double lr = 0;
  int64_t checkpoint_every = 0;  // activation checkpointing for this stage (0 = none)
  double temporal_weight = 0;
  double motion_weight = 0;
  double condition_dropout = 0;
};

// What a worker reports after a step.
struct StepReport {
  int64_t step = 0;
  double loss = 0;             // total objective
  double diffusion_loss = 0;   // MSE to the epsilon / v target
  double temporal_loss = 0;    // unweighted
  double motion_loss = 0;      // unweighted
  double grad_norm = 0;        // before clipping
  int64_t samples = 0;         // local samples
  int64_t tokens = 0;          // local tokens
  double step_seconds = 0;     // compute only (forward, backward, optimizer)
};

class Trainer {
 public:
  // `config` must be validated. The model is built and initialized from config.training.seed.
  Trainer(const RunConfig& config, torch::Device device);

  StepReport train_step(const data::LocalBatch& batch, const StepPlan& plan);

  model::VideoDiT& model() { return model_; }
  torch::optim::AdamW& optimizer() { return *optimizer_; }
  ExponentialMovingAverage* ema() { return ema_.get(); }  // null when optimizer.ema_decay = 0
  const diffusion::GaussianDiffusion& diffusion() const { return diffusion_; }

 private:
  // Loss of one micro-batch [first, first + count) of the local batch; backward included.
  StepReport micro_step(const data::LocalBatch& batch, int64_t first, int64_t count, const StepPlan& plan);

  const RunConfig& config_;
  torch::Device device_;
  model::VideoDiT model_{nullptr};
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  std::unique_ptr<ExponentialMovingAverage> ema_;
  diffusion::GaussianDiffusion diffusion_;
};

}  // namespace vdit::training
