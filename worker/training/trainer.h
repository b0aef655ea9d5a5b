// The worker's training engine: one optimizer step on this rank's part of a global batch, as
// planned by the coordinator. Owns the model, AdamW, the EMA and the diffusion process.
#pragma once

#include <torch/optim/adamw.h>

#include <cstdint>
#include <functional>
#include <memory>

#include "core/config.h"
#include "data/local_batch.h"
#include "eval/feature_network.h"
#include "parallel/overlapped_gradient_reducer.h"
#include "worker/diffusion/gaussian_diffusion.h"
#include "worker/model/parallel_context.h"
#include "worker/model/sequence_slice.h"
#include "worker/model/tensor_parallel_plan.h"
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
  double perceptual_weight = 0;  // needs curriculum.perceptual_network
  double condition_dropout = 0;
};

// What a worker reports after a step.
struct StepReport {
  int64_t step = 0;
  double loss = 0;             // total objective
  double diffusion_loss = 0;   // MSE to the epsilon / v target
  double temporal_loss = 0;    // unweighted
  double motion_loss = 0;      // unweighted
  double perceptual_loss = 0;  // unweighted
  double grad_norm = 0;        // before clipping
  int64_t samples = 0;         // local samples
  int64_t tokens = 0;          // local tokens
  double step_seconds = 0;     // compute only (forward, backward, optimizer)
};

// The communicators of one worker: the model's tp/sp context and the dp x sp group that averages
// gradients (every rank holding the same parameter shard). Defaults: one rank everywhere.
struct TrainerParallel {
  model::ParallelContext model;
  parallel::Communicator dp_sp = parallel::make_solo_communicator();
};

class Trainer {
 public:
  // `config` must be validated. The model is initialized from config.training.seed as a whole
  // one-rank model and this rank keeps its tensor-parallel pieces, so every mesh starts from the
  // same weights.
  Trainer(const RunConfig& config, torch::Device device, TrainerParallel parallel = {});

  // `before_update` runs after backward and the gradient reduction, right before the optimizer
  // and the EMA change the state: a background snapshot of the state must end by then.
  StepReport train_step(const data::LocalBatch& batch, const StepPlan& plan,
                        const std::function<void()>& before_update = {});

  model::VideoDiT& model() { return model_; }
  // Which of this rank's parameters are tensor-parallel pieces, and how (read off the model).
  const model::TensorParallelPlan& tensor_parallel_plan() const { return plan_; }
  const TrainerParallel& parallel() const { return parallel_; }
  torch::optim::AdamW& optimizer() { return *optimizer_; }
  ExponentialMovingAverage* ema() { return ema_.get(); }  // null when optimizer.ema_decay = 0
  // ZeRO-1 (optimizer.zero1 with more than one dp x sp rank): each gradient bucket is summed to
  // its owner only, the optimizer holds and updates only the parameters this rank owns, then the
  // owners broadcast their updated buckets (the traffic of a reduce-scatter and an all-gather).
  bool zero1() const { return !owners_.empty(); }
  // Whether this rank keeps the AdamW state of parameter `index` (model()->parameters() order).
  bool owns_optimizer_state(size_t index) const {
    return owners_.empty() || owners_[index] == parallel_.dp_sp.rank();
  }
  // ZeRO-1: the dp x sp rank owning parameter `index`. After a step only the owner's gradient of
  // it is the group's mean (gradients are summed to owners, not all-reduced).
  int optimizer_owner(size_t index) const { return owners_.at(index); }
  const diffusion::GaussianDiffusion& diffusion() const { return diffusion_; }

 private:
  // Loss of one micro-batch [first, first + count) of the local batch; backward included. Returns
  // its terms, (5,) float64 on the device: loss, diffusion, temporal, motion, perceptual.
  torch::Tensor micro_step(const data::LocalBatch& batch, int64_t first, int64_t count,
                        const StepPlan& plan);
  // Where this rank's tokens lie in the batch's clips, for terms that look across tokens.
  model::SequenceSlice slice_of(const data::LocalBatch& batch) const;
  // The perceptual loss of this rank's whole patch-frames, decoded to pixels: the mean over its
  // frames, so the mean over sp is the clip's (the pre-flight ensures whole frames per rank).
  torch::Tensor perceptual_of(const torch::Tensor& predicted_x0, const torch::Tensor& x0,
                              const data::LocalBatch& batch);
  // Per-sample content complexity c (n,) of the whole clips, from this rank's tokens (any split).
  torch::Tensor complexity_of(const torch::Tensor& x0, const data::LocalBatch& batch) const;
  // Waits for the gradients' mean over dp x sp (started during the last backward), then clips by
  // the global norm (shards counted once) and returns the norm before clipping.
  double reduce_and_clip_gradients();

  const RunConfig& config_;
  std::vector<int> owners_;  // ZeRO-1 owner (dp x sp rank) per parameter; empty = off
  torch::Device device_;
  TrainerParallel parallel_;
  // With more than one dp x sp rank: the gradients live in its buckets.
  std::unique_ptr<parallel::OverlappedGradientReducer> gradient_reducer_;
  model::VideoDiT model_{nullptr};
  model::TensorParallelPlan plan_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  std::unique_ptr<ExponentialMovingAverage> ema_;
  // curriculum.perceptual_network, frozen; null when the run names none.
  std::unique_ptr<eval::FeatureNetwork> perceptual_network_;
  diffusion::GaussianDiffusion diffusion_;
};

}  // namespace vdit::training
