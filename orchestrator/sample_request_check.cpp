#include "orchestrator/sample_request_check.h"

#include <fmt/core.h>

#include <cmath>

#include "core/error.h"
#include "core/host_memory.h"

namespace vdit::orchestrator {

void check_sample_flags(const SampleRequest& request) {
  if (request.frames < 1) {
    throw InputError(fmt::format("--frames: found {}, expected >= 1", request.frames));
  }
  if (request.height < 1 || request.width < 1) {
    throw InputError(fmt::format("--size: found {}x{}, expected HxW with H, W >= 1", request.height,
                                 request.width));
  }
  if (request.steps && *request.steps < 1) {
    throw InputError(fmt::format(
        "--steps: found {}, expected >= 1 (leave it out for the run's diffusion.sample_steps)",
        *request.steps));
  }
  if (request.guidance && !(std::isfinite(*request.guidance) && *request.guidance >= 0 &&
                            *request.guidance <= kMaxGuidanceScale)) {
    throw InputError(fmt::format(
        "--guidance: found {}, expected a scale in [0, {}] (1 = no guidance, 0 = unconditional)",
        *request.guidance, kMaxGuidanceScale));
  }
  if (request.seed < 0) {
    throw InputError(fmt::format("--seed: found {}, expected >= 0", request.seed));
  }
  if (!request.sampler.empty() && request.sampler != "ddim" && request.sampler != "ddpm") {
    throw InputError(
        fmt::format("--sampler: found \"{}\", expected \"ddim\" or \"ddpm\"", request.sampler));
  }
  if (request.captions.empty()) {
    throw InputError("--caption: none given, expected at least one caption to sample");
  }
  if (request.upscale < 1 || request.upscale > kMaxSampleUpscale) {
    throw InputError(
        fmt::format("--upscale: found {}, expected 1..{}", request.upscale, kMaxSampleUpscale));
  }
  if (request.fps < 1 || request.fps > kMaxSampleFps) {
    throw InputError(fmt::format("--fps: found {}, expected 1..{}", request.fps, kMaxSampleFps));
  }
}

void check_sample_against_model(const SampleRequest& request, const RunConfig& config) {
  const ModelConfig& model = config.model;
  if (request.frames % model.patch_frames != 0) {
    throw InputError(fmt::format(
        "--frames: found {}, expected a multiple of the model's model.patch_frames ({})",
        request.frames, model.patch_frames));
  }
  if (request.height % model.patch_size != 0 || request.width % model.patch_size != 0) {
    throw InputError(fmt::format(
        "--size: found {}x{}, expected H and W multiples of the model's model.patch_size ({})",
        request.height, request.width, model.patch_size));
  }
  const std::string sampler = request.sampler.empty() ? config.diffusion.sampler : request.sampler;
  const int64_t timesteps = config.diffusion.timesteps;
  if (request.steps && sampler == "ddpm") {
    throw InputError(fmt::format(
        "--steps: found {}, but the DDPM sampler visits every one of the model's {} timesteps "
        "(expected no --steps, or --sampler ddim)",
        *request.steps, timesteps));
  }
  if (request.steps && *request.steps > timesteps) {
    throw InputError(
        fmt::format("--steps: found {}, expected 1..{} (the model's diffusion.timesteps)",
                    *request.steps, timesteps));
  }
}

double estimate_sample_memory_bytes(const SampleRequest& request, const RunConfig& config) {
  const ModelConfig& model = config.model;
  constexpr double kFloat = 4;
  const double hidden = static_cast<double>(model.hidden_size);
  const double heads = static_cast<double>(model.num_heads);
  const double guidance = request.guidance.value_or(config.diffusion.guidance_scale);
  // Classifier-free guidance runs the conditional and the null caption as one batch of 2N.
  const double batch = static_cast<double>(request.captions.size()) * (guidance == 1.0 ? 1 : 2);
  const double tokens = static_cast<double>(request.frames / model.patch_frames) *
                        static_cast<double>(request.height / model.patch_size) *
                        static_cast<double>(request.width / model.patch_size);
  const double token_dim = static_cast<double>(model.patch_frames * model.patch_size *
                                               model.patch_size * model.channels);
  const double captions = static_cast<double>(model.caption_length);
  // Per block: attention 4 D^2, cross-attention 4 D^2, MLP 2 r D^2, adaLN 6 D^2. The loaded
  // checkpoint's values stay alive beside the module's copy while the weights are set.
  const double weights =
      static_cast<double>(model.depth) * (14 + 2 * model.mlp_ratio) * hidden * hidden * kFloat * 2;
  // Q K^T, its scaled copy and the softmax live at once: 3 (N, H, L, L) float tensors.
  const double self_attention = 3 * batch * heads * tokens * tokens * kFloat;
  const double cross_attention = 3 * batch * heads * tokens * captions * kFloat;
  // qkv (3 D), the MLP hidden (r D) and a few residual-stream copies (4 D) of every token.
  const double activations = batch * tokens * hidden * (7 + model.mlp_ratio) * kFloat;
  // The sampler's x_t, model output, x0 and eps for the N samples.
  const double sampler_state =
      4 * static_cast<double>(request.captions.size()) * tokens * token_dim * kFloat;
  return weights + self_attention + cross_attention + activations + sampler_state;
}

void check_sample_memory(const SampleRequest& request, double estimate,
                         std::optional<int64_t> available) {
  if (!available || estimate <= static_cast<double>(*available)) return;
  throw InputError(fmt::format(
      "--frames {} --size {}x{} with {} caption(s): sampling needs at least {} (mostly the "
      "attention over every token of the video), more than the {} this machine has available "
      "(MemAvailable in /proc/meminfo); expected fewer frames, a smaller size or fewer captions",
      request.frames, request.height, request.width, request.captions.size(),
      describe_bytes(estimate), describe_bytes(static_cast<double>(*available))));
}

}  // namespace vdit::orchestrator
