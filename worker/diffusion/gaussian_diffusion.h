// The forward (noising) process and the conversions between what the model predicts (epsilon or v)
// and the clean sample. Every alpha_bar argument is per sample, shape (N,).
#pragma once

#include <torch/types.h>

#include <string>

#include "worker/diffusion/noise_schedule.h"

namespace vdit::diffusion {

enum class Prediction { kEpsilon, kV };
Prediction prediction_from_string(const std::string& name);  // "epsilon" | "v"

class GaussianDiffusion {
 public:
  GaussianDiffusion(NoiseSchedule schedule, Prediction prediction)
      : schedule_(std::move(schedule)), prediction_(prediction) {}

  const NoiseSchedule& schedule() const { return schedule_; }
  Prediction prediction() const { return prediction_; }

  // x_t = sqrt(ab) x0 + sqrt(1 - ab) noise
  torch::Tensor q_sample(const torch::Tensor& x0, const torch::Tensor& noise,
                         const torch::Tensor& alpha_bar) const;
  // What the model is trained to output: noise (epsilon) or v = sqrt(ab) noise - sqrt(1 - ab) x0.
  torch::Tensor target(const torch::Tensor& x0, const torch::Tensor& noise,
                       const torch::Tensor& alpha_bar) const;
  // The clean sample implied by a model output at x_t.
  torch::Tensor predict_x0(const torch::Tensor& x_t, const torch::Tensor& output,
                           const torch::Tensor& alpha_bar) const;
  // The noise implied by a model output at x_t.
  torch::Tensor predict_eps(const torch::Tensor& x_t, const torch::Tensor& output,
                            const torch::Tensor& alpha_bar) const;

 private:
  NoiseSchedule schedule_;
  Prediction prediction_;
};

}  // namespace vdit::diffusion
