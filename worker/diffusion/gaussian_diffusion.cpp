#include "worker/diffusion/gaussian_diffusion.h"

#include "core/error.h"

namespace vdit::diffusion {
namespace {

// (N,) -> (N, 1, 1, ...) to broadcast over a sample of rank `like.dim()`.
torch::Tensor per_sample(const torch::Tensor& value, const torch::Tensor& like) {
  std::vector<int64_t> shape(like.dim(), 1);
  shape[0] = value.size(0);
  return value.view(shape);
}

}  // namespace

Prediction prediction_from_string(const std::string& name) {
  if (name == "epsilon") return Prediction::kEpsilon;
  if (name == "v") return Prediction::kV;
  throw InputError("diffusion.prediction: found \"" + name + "\", expected \"epsilon\" or \"v\"");
}

torch::Tensor GaussianDiffusion::q_sample(const torch::Tensor& x0, const torch::Tensor& noise,
                                          const torch::Tensor& alpha_bar) const {
  const auto ab = per_sample(alpha_bar, x0);
  return ab.sqrt() * x0 + (1 - ab).sqrt() * noise;
}

torch::Tensor GaussianDiffusion::target(const torch::Tensor& x0, const torch::Tensor& noise,
                                        const torch::Tensor& alpha_bar) const {
  if (prediction_ == Prediction::kEpsilon) return noise;
  const auto ab = per_sample(alpha_bar, x0);
  return ab.sqrt() * noise - (1 - ab).sqrt() * x0;
}

torch::Tensor GaussianDiffusion::predict_x0(const torch::Tensor& x_t, const torch::Tensor& output,
                                            const torch::Tensor& alpha_bar) const {
  const auto ab = per_sample(alpha_bar, x_t);
  if (prediction_ == Prediction::kEpsilon) return (x_t - (1 - ab).sqrt() * output) / ab.sqrt();
  return ab.sqrt() * x_t - (1 - ab).sqrt() * output;
}

torch::Tensor GaussianDiffusion::predict_eps(const torch::Tensor& x_t, const torch::Tensor& output,
                                             const torch::Tensor& alpha_bar) const {
  if (prediction_ == Prediction::kEpsilon) return output;
  const auto ab = per_sample(alpha_bar, x_t);
  return (1 - ab).sqrt() * x_t + ab.sqrt() * output;
}

}  // namespace vdit::diffusion
