// DDPM and DDIM sampling with classifier-free guidance: from noise to clean patch tokens.
#pragma once

#include <torch/types.h>

#include <functional>
#include <string>
#include <vector>

#include "worker/diffusion/gaussian_diffusion.h"
#include "worker/model/video_dit.h"

namespace vdit::diffusion {

struct SampleOptions {
  std::string method = "ddim";  // "ddim" (eta = 0, deterministic given the seed) or "ddpm"
  int64_t steps = 50;           // DDIM steps; DDPM walks every timestep
  double guidance_scale = 4.0;  // eps = eps_null + s (eps_caption - eps_null); 1 = no guidance
  uint64_t seed = 0;            // initial noise (and DDPM's per-step noise)
  bool clip_x0 = true;          // clamp predicted x0 to [-1, 1] (pixel space)
  // Called after each denoising step with (steps done, steps in all); empty = nobody watches.
  std::function<void(int64_t done, int64_t total)> after_step;
};

// The model as the sampler sees it: x_t (N, L, token_dim) and a timestep -> the model output
// (epsilon or v, as the diffusion was trained), guidance already applied.
using Denoiser = std::function<torch::Tensor(const torch::Tensor& x_t, int64_t t)>;

// The noise x_T that sample_loop starts from for `seed`: N(0, I) of `shape`, float32, drawn by
// LibTorch's CPU generator seeded with `seed` (what `vdit sample --tensors` writes beside the
// samples, so another implementation can start from the same noise).
torch::Tensor initial_noise(const std::vector<int64_t>& shape, uint64_t seed);

// The sampling loop itself, from N(0, I) noise of `shape` (initial_noise) to clean tokens.
torch::Tensor sample_loop(const Denoiser& denoiser, const GaussianDiffusion& diffusion,
                          const std::vector<int64_t>& shape, const SampleOptions& options);

// caption: (N, Lc) ids or (N, Lc, E) embeddings. Returns clean tokens (N, grid.tokens(),
// token_dim).
torch::Tensor sample(model::VideoDiT& dit, const GaussianDiffusion& diffusion,
                     const torch::Tensor& caption, PatchGrid grid, const SampleOptions& options);

}  // namespace vdit::diffusion
