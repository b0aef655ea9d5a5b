#include "worker/diffusion/sampler.h"

#include <ATen/CPUGeneratorImpl.h>

#include "core/error.h"

namespace vdit::diffusion {
namespace {

// Guided model output at x_t for timestep t: the conditional and null-caption passes run as one
// batch of 2N.
torch::Tensor guided_output(model::VideoDiT& dit, const torch::Tensor& x_t, int64_t t,
                            const torch::Tensor& caption, PatchGrid grid, double guidance_scale) {
  const int64_t n = x_t.size(0);
  model::DiTInput input;
  input.grid = grid;
  if (guidance_scale == 1.0) {
    input.tokens = x_t;
    input.timesteps = torch::full({n}, t, torch::kInt64);
    input.caption = caption;
    return dit->forward(input);
  }
  input.tokens = torch::cat({x_t, x_t}, 0);  // (2N, L, token_dim)
  input.timesteps = torch::full({2 * n}, t, torch::kInt64);
  input.caption = torch::cat({caption, caption}, 0);
  input.drop_condition =
      torch::cat({torch::zeros({n}, torch::kBool), torch::ones({n}, torch::kBool)});
  const auto out = dit->forward(input).chunk(2, 0);
  return out[1] + guidance_scale * (out[0] - out[1]);
}

// x_T, the first draw of the sampling generator (DDPM's per-step noise follows it).
torch::Tensor draw_initial_noise(const std::vector<int64_t>& shape, at::Generator& generator) {
  return torch::randn(shape, generator, torch::kFloat32);
}

}  // namespace

torch::Tensor initial_noise(const std::vector<int64_t>& shape, uint64_t seed) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  return draw_initial_noise(shape, generator);
}

torch::Tensor sample_loop(const Denoiser& denoiser, const GaussianDiffusion& diffusion,
                          const std::vector<int64_t>& shape, const SampleOptions& options) {
  if (options.method != "ddim" && options.method != "ddpm") {
    throw InputError("sampler: found \"" + options.method + "\", expected \"ddim\" or \"ddpm\"");
  }
  torch::NoGradGuard no_grad;
  const int64_t n = shape[0];
  const int64_t total = diffusion.schedule().timesteps();
  const auto& alphas_cumprod = diffusion.schedule().alphas_cumprod();
  auto generator = at::make_generator<at::CPUGeneratorImpl>(options.seed);
  auto x = draw_initial_noise(shape, generator);

  // Timesteps visited, descending: every one for DDPM, `steps` evenly spaced for DDIM.
  const int64_t count = options.method == "ddpm" ? total : std::min(options.steps, total);
  const auto visited =
      torch::linspace(total - 1, 0, count, torch::kFloat64).round().to(torch::kInt64);
  for (int64_t i = 0; i < count; ++i) {
    const int64_t t = visited[i].item<int64_t>();
    const int64_t t_prev = i + 1 < count ? visited[i + 1].item<int64_t>() : -1;
    const double ab = alphas_cumprod[t].item<double>();
    const double ab_prev = t_prev >= 0 ? alphas_cumprod[t_prev].item<double>() : 1.0;
    const auto output = denoiser(x, t);
    auto x0 = diffusion.predict_x0(x, output, torch::full({n}, ab, torch::kFloat32));
    if (options.clip_x0) x0 = x0.clamp(-1, 1);
    if (options.method == "ddim") {
      // eta = 0: x_prev = sqrt(ab_prev) x0 + sqrt(1 - ab_prev) eps(x0)
      const auto eps = (x - std::sqrt(ab) * x0) / std::sqrt(1 - ab);
      x = std::sqrt(ab_prev) * x0 + std::sqrt(1 - ab_prev) * eps;
    } else {
      // Posterior q(x_{t-1} | x_t, x0): mean = c0 x0 + ct x_t, variance = beta_t (1 - ab_prev) / (1
      // - ab).
      const double alpha = ab / ab_prev, beta = 1 - alpha;
      const double c0 = beta * std::sqrt(ab_prev) / (1 - ab);
      const double ct = (1 - ab_prev) * std::sqrt(alpha) / (1 - ab);
      x = c0 * x0 + ct * x;
      if (t_prev >= 0) {
        x = x + std::sqrt(beta * (1 - ab_prev) / (1 - ab)) *
                    torch::randn(x.sizes(), generator, torch::kFloat32);
      }
    }
    if (options.after_step) options.after_step(i + 1, count);
  }
  return x;
}

torch::Tensor sample(model::VideoDiT& dit, const GaussianDiffusion& diffusion,
                     const torch::Tensor& caption, PatchGrid grid, const SampleOptions& options) {
  const Denoiser denoiser = [&](const torch::Tensor& x_t, int64_t t) {
    return guided_output(dit, x_t, t, caption, grid, options.guidance_scale);
  };
  return sample_loop(denoiser, diffusion,
                     {caption.size(0), grid.tokens(), dit->options.token_dim()}, options);
}

}  // namespace vdit::diffusion
