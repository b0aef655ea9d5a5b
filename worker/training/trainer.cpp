#include "worker/training/trainer.h"

#include <fmt/core.h>

#include <chrono>
#include <cmath>

#include "core/error.h"
#include "worker/diffusion/content_complexity.h"
#include "worker/diffusion/counter_noise.h"
#include "worker/diffusion/device_noise.h"
#include "worker/diffusion/timestep_sampling.h"
#include "worker/training/autocast_guard.h"
#include "worker/training/stage_losses.h"
#include "worker/training/zero_partition.h"

namespace vdit::training {
namespace {

// Independent counter streams per purpose, so timesteps, dropout and noise never share numbers.
enum Stream : uint64_t { kTimestepStream = 1, kDropStream = 2, kNoiseStream = 3 };

// Positions in a micro-batch's loss-term vector.
enum LossTerm : int64_t {
  kLossTerm,
  kDiffusionTerm,
  kTemporalTerm,
  kMotionTerm,
  kPerceptualTerm,
  kLossTerms
};

torch::Tensor batch_tokens(const data::LocalBatch& batch, int64_t first, int64_t count) {
  const int64_t per_sample = batch.tokens_per_sample_local * batch.token_dim;
  // A view of the batch, which outlives the step; nothing writes to it.
  return torch::from_blob(const_cast<float*>(batch.tokens.data()) + first * per_sample,
                          {count, batch.tokens_per_sample_local, batch.token_dim},
                          torch::kFloat32);  // (n, L_local, token_dim)
}

torch::Tensor batch_caption(const data::LocalBatch& batch, int64_t first, int64_t count,
                            bool embeddings) {
  if (embeddings) {
    const int64_t per_sample = batch.caption_emb_length * batch.caption_emb_dim;
    // A view of the batch, which outlives the step; nothing writes to it.
    return torch::from_blob(const_cast<float*>(batch.caption_emb.data()) + first * per_sample,
                            {count, batch.caption_emb_length, batch.caption_emb_dim},
                            torch::kFloat32);  // (n, Lc, E)
  }
  return torch::from_blob(
             const_cast<int32_t*>(batch.caption_ids.data()) + first * batch.caption_length,
             {count, batch.caption_length}, torch::kInt32)
      .to(torch::kInt64);  // (n, Lc)
}

// A host tensor on `device`: on a GPU through pinned memory without blocking the host (the copy
// is ordered before the kernels that read it on the same stream); on the CPU the tensor itself.
torch::Tensor on_device(const torch::Tensor& host, torch::Device device) {
  if (device.is_cpu()) return host;
  return host.pin_memory().to(device, /*non_blocking=*/true);
}

}  // namespace

Trainer::Trainer(const RunConfig& config, torch::Device device, TrainerParallel parallel)
    : config_(config),
      device_(device),
      parallel_(std::move(parallel)),
      diffusion_(diffusion::NoiseSchedule::from_config(config.diffusion),
                 diffusion::prediction_from_string(config.diffusion.prediction)) {
  torch::manual_seed(config.training.seed);
  // Activation checkpointing comes with each step's plan (the stage's setting).
  const auto options = model::video_dit_options(config.model, 0);
  const model::VideoDiT whole(options);  // the one-rank model every layout starts from
  model_ = model::VideoDiT(options, parallel_.model);
  model::load_shards_from_full(model_, whole, parallel_.model.tp.rank(), parallel_.model.tp_size());
  plan_ = model::TensorParallelPlan(*model_);
  model_->to(device_);
  const OptimizerConfig& o = config.optimizer;
  std::vector<torch::Tensor> updated = model_->parameters();
  if (o.zero1 && parallel_.dp_sp.size() > 1) {
    std::vector<int64_t> numels;
    for (const auto& parameter : updated) numels.push_back(parameter.numel());
    owners_ = assign_parameter_owners(numels, parallel_.dp_sp.size());
  }
  if (parallel_.dp_sp.size() > 1) {
    gradient_reducer_ = std::make_unique<parallel::OverlappedGradientReducer>(
        parallel_.dp_sp, model_->parameters(), owners_);
  }
  if (zero1()) {
    std::vector<torch::Tensor> owned;
    for (size_t i = 0; i < updated.size(); ++i) {
      if (owns_optimizer_state(i)) owned.push_back(updated[i]);
    }
    updated = std::move(owned);
  }
  optimizer_ = std::make_unique<torch::optim::AdamW>(updated, torch::optim::AdamWOptions(o.lr)
                                                                  .betas({o.beta1, o.beta2})
                                                                  .eps(o.eps)
                                                                  .weight_decay(o.weight_decay));
  if (o.ema_decay > 0) ema_ = std::make_unique<ExponentialMovingAverage>(*model_, o.ema_decay);
  if (!config.curriculum.perceptual_network.empty()) {
    perceptual_network_ = std::make_unique<eval::FeatureNetwork>(
        eval::FeatureNetwork::load(config.curriculum.perceptual_network));
  }
}

torch::Tensor Trainer::micro_step(const data::LocalBatch& batch, int64_t first, int64_t count,
                               const StepPlan& plan) {
  const uint64_t seed = static_cast<uint64_t>(config_.training.seed);
  const int64_t timesteps = diffusion_.schedule().timesteps();
  const auto x0 = on_device(batch_tokens(batch, first, count), device_);  // (n, L_local, token_dim)
  auto t = torch::empty({count}, torch::kInt64);      // (n,)
  auto drop = torch::empty({count}, torch::kBool);    // (n,)
  int64_t* t_data = t.data_ptr<int64_t>();
  bool* drop_data = drop.data_ptr<bool>();
  std::vector<int64_t> samples(count);
  for (int64_t i = 0; i < count; ++i) {
    const auto sample = static_cast<uint64_t>(batch.global_sample_index[first + i]);
    const auto step = static_cast<uint64_t>(plan.step);
    t_data[i] = diffusion::training_timestep(
        diffusion::counter_uniform(seed, kTimestepStream, step, sample), timesteps,
        config_.diffusion.timestep_shift);
    drop_data[i] =
        diffusion::counter_uniform(seed, kDropStream, step, sample) < plan.condition_dropout;
    samples[i] = batch.global_sample_index[first + i];
  }
  // Computed where the model runs; any mesh sees the same noise for the same sample and token.
  const auto epsilon = diffusion::counter_token_noise(
      diffusion::counter_hash(seed, kNoiseStream), plan.step, samples, batch.token_begin,
      batch.tokens_per_sample_local, batch.token_dim, device_);  // (n, L_local, token_dim)
  const torch::Tensor complexity =
      config_.diffusion.content_adaptive ? complexity_of(x0, batch) : torch::Tensor();
  model::DiTInput input;
  input.timesteps = on_device(t, device_);                                              // (n,)
  const auto alpha_bar = diffusion_.schedule().alpha_bar(input.timesteps, complexity);  // (n,)
  input.tokens = diffusion_.q_sample(x0, epsilon, alpha_bar);
  input.caption =
      on_device(batch_caption(batch, first, count, config_.model.condition == "embeddings"), device_);
  input.drop_condition = on_device(drop, device_);
  input.grid = batch.grid;
  input.token_begin = batch.token_begin;
  torch::Tensor output;  // (n, L_local, token_dim) float32
  {
    // bf16 on the GPU (fp32 master weights); the loss below is computed in fp32.
    AutocastGuard autocast(config_.training.precision == "bf16");
    output = model_->forward(input);
  }
  output = output.to(torch::kFloat32);

  const auto diffusion_loss = torch::mse_loss(output, diffusion_.target(x0, epsilon, alpha_bar));
  auto loss = diffusion_loss;
  // (5,) float64 on the device, detached: loss, diffusion, temporal, motion, perceptual.
  torch::Tensor terms = torch::zeros({kLossTerms}, loss.options().dtype(torch::kFloat64));
  const bool perceptual = plan.perceptual_weight > 0;
  if (perceptual && !perceptual_network_) {
    throw InputError(fmt::format(
        "{}: a stage asks for perceptual_weight {}, but curriculum.perceptual_network is empty",
        config_.source, plan.perceptual_weight));
  }
  const torch::Tensor predicted_x0 =
      plan.temporal_weight > 0 || plan.motion_weight > 0 || perceptual
          ? diffusion_.predict_x0(input.tokens, output, alpha_bar)
          : torch::Tensor();
  if (perceptual) {
    const auto term = perceptual_of(predicted_x0, x0, batch);
    loss = loss + plan.perceptual_weight * term;
    terms[kPerceptualTerm] = term.detach();
  }
  if (plan.temporal_weight > 0 || plan.motion_weight > 0) {
    const model::SequenceSlice slice = slice_of(batch);
    const StageLossShares shares = stage_losses(predicted_x0, x0, slice);
    // Weighted by alpha_bar per sample (see stage_losses.h).
    const auto temporal = (alpha_bar * shares.temporal).mean();
    const auto motion = (alpha_bar * shares.motion).mean();
    loss = loss + plan.temporal_weight * temporal + plan.motion_weight * motion;
    terms[kTemporalTerm] = temporal.detach();
    terms[kMotionTerm] = motion.detach();
  }
  // Micro-batches add up to the mean over the local batch.
  (loss * (static_cast<double>(count) / batch.batch)).backward();
  terms[kLossTerm] = loss.detach();
  terms[kDiffusionTerm] = diffusion_loss.detach();
  return terms;
}

model::SequenceSlice Trainer::slice_of(const data::LocalBatch& batch) const {
  return {batch.grid, batch.token_begin, parallel_.model.sp};
}

torch::Tensor Trainer::perceptual_of(const torch::Tensor& predicted_x0, const torch::Tensor& x0,
                                     const data::LocalBatch& batch) {
  const int64_t per_frame = batch.grid.height * batch.grid.width;
  if (batch.tokens_per_sample_local % per_frame != 0 || batch.token_begin % per_frame != 0) {
    throw InputError(fmt::format(
        "the perceptual loss with parallel.sp = {}: bucket {} gives each sequence-parallel rank "
        "{} tokens, not whole patch-frames of {} tokens",
        parallel_.model.sp_size(), batch.bucket.name(), batch.tokens_per_sample_local, per_frame));
  }
  const PatchGrid local_grid{batch.tokens_per_sample_local / per_frame, batch.grid.height,
                             batch.grid.width};
  const PatchSize patch = config_.model.patch();
  // (n, L_local, token_dim) -> (n, C, T_local, H, W) -> (n T_local, C, H, W) frames in [-1, 1]
  const auto frames = [&](const torch::Tensor& tokens) {
    return model::unpatchify(tokens, local_grid, patch, config_.model.channels)
        .transpose(1, 2)
        .flatten(0, 1);
  };
  return eval::perceptual_loss(*perceptual_network_, frames(predicted_x0), frames(x0));
}

torch::Tensor Trainer::complexity_of(const torch::Tensor& x0, const data::LocalBatch& batch) const {
  const PatchSize patch = config_.model.patch();
  return diffusion::content_complexity(x0, slice_of(batch), patch, config_.model.channels);
}

double Trainer::reduce_and_clip_gradients() {
  if (gradient_reducer_) gradient_reducer_->finish();
  // Under ZeRO-1 only the owned gradients hold the mean; each rank norms and clips its own.
  std::vector<torch::Tensor> grads, replicated_norms, split_norms;
  size_t index = 0;
  for (const auto& item : model_->named_parameters()) {
    if (!item.value().grad().defined())
      item.value().mutable_grad() = torch::zeros_like(item.value());
    if (!owns_optimizer_state(index++)) continue;
    grads.push_back(item.value().grad());
    // One reduction per tensor, no temporary, no host sync until the total.
    (plan_.is_split(item.key()) ? split_norms : replicated_norms).push_back(grads.back().norm());
  }
  const auto sum_of_squares = [](const std::vector<torch::Tensor>& norms) {
    if (norms.empty()) return torch::zeros({}, torch::kFloat64);
    return torch::stack(norms).to(torch::kFloat64).pow(2).sum();  // () float64
  };
  auto squares = torch::stack({sum_of_squares(replicated_norms), sum_of_squares(split_norms)});
  if (zero1()) parallel_.dp_sp.all_reduce_sum(squares);  // the owners' shares add up
  if (parallel_.model.tp_size() > 1) {
    auto split = squares.narrow(0, 1, 1);  // each tp rank holds its pieces of the split ones
    parallel_.model.tp.all_reduce_sum(split);
  }
  const double norm = std::sqrt(squares.sum().item<double>());
  // The same rule as torch.nn.utils.clip_grad_norm_.
  const double max_norm = config_.optimizer.grad_clip;
  if (max_norm > 0 && norm + 1e-6 > max_norm) {
    torch::NoGradGuard no_grad;
    for (auto& grad : grads) grad.mul_(max_norm / (norm + 1e-6));
  }
  return norm;
}

StepReport Trainer::train_step(const data::LocalBatch& batch, const StepPlan& plan,
                               const std::function<void()>& before_update) {
  const auto start = std::chrono::steady_clock::now();
  model_->set_checkpoint_every(plan.checkpoint_every);
  model_->train();
  // Every parameter (under ZeRO-1 the optimizer holds only its share). With one dp x sp rank
  // backward then writes the first gradient instead of adding it to zeros, and
  // reduce_and_clip_gradients() defines the rest; with more, gradients stay in the reducer's
  // zeroed buckets, and the last micro-batch's backward starts their reduction.
  if (gradient_reducer_) {
    gradient_reducer_->zero_grad();
  } else {
    model_->zero_grad(/*set_to_none=*/true);
  }
  const int64_t micro =
      config_.training.micro_batch > 0 ? config_.training.micro_batch : batch.batch;
  // Loss terms stay on the device until the step ends: one host sync per step, not per term.
  torch::Tensor terms;  // (5,) float64
  for (int64_t first = 0; first < batch.batch; first += micro) {
    const int64_t count = std::min(micro, batch.batch - first);
    // Activation checkpointing changes how often a parameter's gradient accumulates per backward.
    if (gradient_reducer_) gradient_reducer_->begin_backward(first + count >= batch.batch,
                                                             plan.checkpoint_every);
    const torch::Tensor part = micro_step(batch, first, count, plan);
    const double share = static_cast<double>(count) / batch.batch;
    terms = terms.defined() ? terms + share * part : share * part;
  }
  StepReport total;
  total.grad_norm = reduce_and_clip_gradients();
  if (parallel_.dp_sp.size() > 1) parallel_.dp_sp.all_reduce_avg(terms);
  const torch::Tensor host_terms = terms.to(torch::kCPU);
  const auto read = host_terms.accessor<double, 1>();
  total.loss = read[kLossTerm];
  total.diffusion_loss = read[kDiffusionTerm];
  total.temporal_loss = read[kTemporalTerm];
  total.motion_loss = read[kMotionTerm];
  total.perceptual_loss = read[kPerceptualTerm];
  if (before_update) before_update();
  for (auto& group : optimizer_->param_groups()) group.options().set_lr(plan.lr);
  optimizer_->step();
  if (zero1()) gradient_reducer_->gather_parameters();
  if (ema_) ema_->update(*model_);
  total.step = plan.step;
  total.samples = batch.batch;
  total.tokens = batch.batch * batch.tokens_per_sample_local;
  total.step_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return total;
}

}  // namespace vdit::training
