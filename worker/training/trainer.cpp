#include "worker/training/trainer.h"

#include <chrono>
#include <limits>

#include <torch/nn/utils/clip_grad.h>

#include "core/config_validate.h"
#include "worker/diffusion/counter_noise.h"
#include "worker/training/stage_losses.h"

namespace vdit::training {
namespace {

// Independent counter streams per purpose, so timesteps, dropout and noise never share numbers.
enum Stream : uint64_t { kTimestepStream = 1, kDropStream = 2, kNoiseStream = 3 };

torch::Tensor batch_tokens(const data::LocalBatch& batch, int64_t first, int64_t count) {
  const int64_t per_sample = batch.tokens_per_sample_local * batch.token_dim;
  return torch::from_blob(const_cast<float*>(batch.tokens.data()) + first * per_sample,
                          {count, batch.tokens_per_sample_local, batch.token_dim}, torch::kFloat32)
      .clone();  // (n, L_local, token_dim)
}

torch::Tensor batch_caption(const data::LocalBatch& batch, int64_t first, int64_t count, bool embeddings) {
  if (embeddings) {
    const int64_t per_sample = batch.caption_emb_length * batch.caption_emb_dim;
    return torch::from_blob(const_cast<float*>(batch.caption_emb.data()) + first * per_sample,
                            {count, batch.caption_emb_length, batch.caption_emb_dim}, torch::kFloat32)
        .clone();  // (n, Lc, E)
  }
  return torch::from_blob(const_cast<int32_t*>(batch.caption_ids.data()) + first * batch.caption_length,
                          {count, batch.caption_length}, torch::kInt32)
      .to(torch::kInt64);  // (n, Lc)
}

}  // namespace

Trainer::Trainer(const RunConfig& config, torch::Device device)
    : config_(config),
      device_(device),
      diffusion_(diffusion::NoiseSchedule::from_config(config.diffusion),
                 diffusion::prediction_from_string(config.diffusion.prediction)) {
  torch::manual_seed(config.training.seed);
  const int64_t checkpoint_every =
      vdit::checkpoint_every(config.training.activation_checkpointing, "training.activation_checkpointing",
                             config.source);
  model_ = model::VideoDiT(model::video_dit_options(config.model, checkpoint_every));
  model_->to(device_);
  const OptimizerConfig& o = config.optimizer;
  optimizer_ = std::make_unique<torch::optim::AdamW>(
      model_->parameters(),
      torch::optim::AdamWOptions(o.lr).betas({o.beta1, o.beta2}).eps(o.eps).weight_decay(o.weight_decay));
  if (o.ema_decay > 0) ema_ = std::make_unique<ExponentialMovingAverage>(*model_, o.ema_decay);
}

StepReport Trainer::micro_step(const data::LocalBatch& batch, int64_t first, int64_t count, const StepPlan& plan) {
  const uint64_t seed = static_cast<uint64_t>(config_.training.seed);
  const int64_t timesteps = diffusion_.schedule().timesteps();
  const auto x0 = batch_tokens(batch, first, count).to(device_);  // (n, L_local, token_dim)
  auto t = torch::empty({count}, torch::kInt64);
  auto drop = torch::empty({count}, torch::kBool);
  std::vector<torch::Tensor> noise;
  for (int64_t i = 0; i < count; ++i) {
    const auto sample = static_cast<uint64_t>(batch.global_sample_index[first + i]);
    const auto step = static_cast<uint64_t>(plan.step);
    t[i] = static_cast<int64_t>(diffusion::counter_uniform(seed, kTimestepStream, step, sample) * timesteps);
    drop[i] = diffusion::counter_uniform(seed, kDropStream, step, sample) < plan.condition_dropout;
    noise.push_back(diffusion::token_noise(diffusion::counter_hash(seed, kNoiseStream), plan.step,
                                           batch.global_sample_index[first + i], batch.token_begin,
                                           batch.tokens_per_sample_local, batch.token_dim));
  }
  const auto epsilon = torch::stack(noise).to(device_);  // (n, L_local, token_dim)
  const model::PatchGrid grid{batch.grid.frames, batch.grid.height, batch.grid.width};
  torch::Tensor complexity;
  if (config_.diffusion.content_adaptive) {
    const model::PatchSize patch{config_.model.patch_frames, config_.model.patch_size};
    complexity = diffusion::content_complexity(model::unpatchify(x0, grid, patch, config_.model.channels));
  }
  const auto alpha_bar = diffusion_.schedule().alpha_bar(t.to(device_), complexity);  // (n,)
  model::DiTInput input;
  input.tokens = diffusion_.q_sample(x0, epsilon, alpha_bar);
  input.timesteps = t.to(device_);
  input.caption = batch_caption(batch, first, count, config_.model.condition == "embeddings").to(device_);
  input.drop_condition = drop.to(device_);
  input.grid = grid;
  input.token_begin = batch.token_begin;
  const auto output = model_->forward(input);  // (n, L_local, token_dim)

  const auto diffusion_loss = torch::mse_loss(output, diffusion_.target(x0, epsilon, alpha_bar));
  auto loss = diffusion_loss;
  StepReport report;
  if (plan.temporal_weight > 0 || plan.motion_weight > 0) {
    const auto predicted_x0 = diffusion_.predict_x0(input.tokens, output, alpha_bar);
    const int64_t tokens_per_frame = grid.height * grid.width;
    // Weighted by alpha_bar per sample (see stage_losses.h).
    const auto temporal = (alpha_bar * temporal_consistency_loss(predicted_x0, x0, tokens_per_frame)).mean();
    const auto motion = (alpha_bar * motion_smoothness_loss(predicted_x0, tokens_per_frame)).mean();
    loss = loss + plan.temporal_weight * temporal + plan.motion_weight * motion;
    report.temporal_loss = temporal.item<double>();
    report.motion_loss = motion.item<double>();
  }
  // Micro-batches add up to the mean over the local batch.
  (loss * (static_cast<double>(count) / batch.batch)).backward();
  report.loss = loss.item<double>();
  report.diffusion_loss = diffusion_loss.item<double>();
  return report;
}

StepReport Trainer::train_step(const data::LocalBatch& batch, const StepPlan& plan) {
  const auto start = std::chrono::steady_clock::now();
  model_->options.checkpoint_every = plan.checkpoint_every;
  model_->train();
  optimizer_->zero_grad();
  const int64_t micro = config_.training.micro_batch > 0 ? config_.training.micro_batch : batch.batch;
  StepReport total;
  for (int64_t first = 0; first < batch.batch; first += micro) {
    const int64_t count = std::min(micro, batch.batch - first);
    const StepReport part = micro_step(batch, first, count, plan);
    const double share = static_cast<double>(count) / batch.batch;
    total.loss += share * part.loss;
    total.diffusion_loss += share * part.diffusion_loss;
    total.temporal_loss += share * part.temporal_loss;
    total.motion_loss += share * part.motion_loss;
  }
  const double max_norm = config_.optimizer.grad_clip > 0 ? config_.optimizer.grad_clip
                                                          : std::numeric_limits<double>::infinity();
  total.grad_norm = torch::nn::utils::clip_grad_norm_(model_->parameters(), max_norm);
  for (auto& group : optimizer_->param_groups()) group.options().set_lr(plan.lr);
  optimizer_->step();
  if (ema_) ema_->update(*model_);
  total.step = plan.step;
  total.samples = batch.batch;
  total.tokens = batch.batch * batch.tokens_per_sample_local;
  total.step_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return total;
}

}  // namespace vdit::training
