// Diffusion noise schedules: the seed's linear betas (1e-4 .. 0.02 over 1000 steps) and cosine,
// plus the seed's content-adaptive noise level alpha_bar^(1 + 0.5 c).
#pragma once

#include <torch/types.h>

#include "core/config.h"

namespace vdit::diffusion {

class NoiseSchedule {
 public:
  // From a validated DiffusionConfig ("linear" or "cosine").
  static NoiseSchedule from_config(const DiffusionConfig& config);
  static NoiseSchedule linear(int64_t timesteps, double beta_start, double beta_end);
  // Nichol & Dhariwal: alpha_bar(t) = cos^2(((t/T + s) / (1 + s)) pi/2), s = 0.008, beta <= 0.999.
  static NoiseSchedule cosine(int64_t timesteps);

  int64_t timesteps() const { return alphas_cumprod_.size(0); }
  // (T,) float64: alpha_bar_t = prod_{i<=t} (1 - beta_i)
  const torch::Tensor& alphas_cumprod() const { return alphas_cumprod_; }

  // alpha_bar for each sample: timesteps (N,) int64, complexity (N,) in [0, 1] or undefined (= 0),
  // see content_complexity.h.
  // Content-adaptive: alpha_bar^(1 + 0.5 c), so busier clips are noised harder at the same t.
  // Returns (N,) float32 on the device of `timesteps`.
  torch::Tensor alpha_bar(const torch::Tensor& timesteps, const torch::Tensor& complexity) const;

 private:
  explicit NoiseSchedule(torch::Tensor betas);
  torch::Tensor alphas_cumprod_;
};

}  // namespace vdit::diffusion
