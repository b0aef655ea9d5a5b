#include "worker/diffusion/noise_schedule.h"

#include <cmath>

namespace vdit::diffusion {

NoiseSchedule::NoiseSchedule(torch::Tensor betas)
    : alphas_cumprod_(torch::cumprod(1.0 - betas.to(torch::kFloat64), 0)) {}

NoiseSchedule NoiseSchedule::from_config(const DiffusionConfig& config) {
  if (config.schedule == "cosine") return cosine(config.timesteps);
  return linear(config.timesteps, config.beta_start, config.beta_end);
}

NoiseSchedule NoiseSchedule::linear(int64_t timesteps, double beta_start, double beta_end) {
  return NoiseSchedule(torch::linspace(beta_start, beta_end, timesteps, torch::kFloat64));
}

NoiseSchedule NoiseSchedule::cosine(int64_t timesteps) {
  const double s = 0.008;
  auto alpha_bar = [&](double t) {
    return std::pow(std::cos((t / timesteps + s) / (1 + s) * M_PI / 2), 2);
  };
  auto betas = torch::empty({timesteps}, torch::kFloat64);
  auto accessor = betas.accessor<double, 1>();
  for (int64_t t = 0; t < timesteps; ++t) {
    accessor[t] = std::min(1 - alpha_bar(t + 1) / alpha_bar(t), 0.999);
  }
  return NoiseSchedule(betas);
}

torch::Tensor NoiseSchedule::alpha_bar(const torch::Tensor& timesteps,
                                       const torch::Tensor& complexity) const {
  auto value = alphas_cumprod_.index_select(0, timesteps.cpu());  // (N,) float64
  if (complexity.defined())
    value = torch::pow(value, 1.0 + 0.5 * complexity.cpu().to(torch::kFloat64));
  return value.to(torch::kFloat32).to(timesteps.device());
}

}  // namespace vdit::diffusion
