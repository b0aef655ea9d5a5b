#include <gtest/gtest.h>

#include "tests/worker/model/tiny_dit_options.h"
#include "worker/diffusion/content_complexity.h"
#include "worker/diffusion/counter_noise.h"
#include "worker/diffusion/gaussian_diffusion.h"
#include "worker/diffusion/noise_schedule.h"
#include "worker/diffusion/sampler.h"

namespace vdit::diffusion {
namespace {

TEST(NoiseSchedule, LinearMatchesTheSeedsBetas) {
  const auto schedule = NoiseSchedule::linear(1000, 1e-4, 0.02);
  const auto ab = schedule.alphas_cumprod();
  EXPECT_NEAR(ab[0].item<double>(), 1 - 1e-4, 1e-12);
  EXPECT_NEAR(ab[1].item<double>(), (1 - 1e-4) * (1 - (1e-4 + (0.02 - 1e-4) / 999)), 1e-12);
  EXPECT_LT(ab[999].item<double>(), 1e-4);  // nearly pure noise at the end
}

TEST(NoiseSchedule, CosineDecreasesFromOneToNearZero) {
  const auto ab = NoiseSchedule::cosine(1000).alphas_cumprod();
  EXPECT_GT(ab[0].item<double>(), 0.999);
  EXPECT_LT(ab[999].item<double>(), 1e-3);
  EXPECT_TRUE((ab.narrow(0, 1, 999) <= ab.narrow(0, 0, 999)).all().item<bool>());
}

TEST(NoiseSchedule, ContentAdaptiveNoisesBusierClipsHarder) {
  const auto schedule = NoiseSchedule::linear(1000, 1e-4, 0.02);
  const auto t = torch::tensor({500, 500}, torch::kInt64);
  const auto ab = schedule.alpha_bar(t, torch::tensor({0.0, 1.0}));
  const double base = schedule.alphas_cumprod()[500].item<double>();
  EXPECT_NEAR(ab[0].item<float>(), base, 1e-6);
  EXPECT_NEAR(ab[1].item<float>(), std::pow(base, 1.5), 1e-6);
}

TEST(ContentComplexity, IsZeroForAConstantVideoAndGrowsWithMotion) {
  const auto still = torch::zeros({1, 3, 4, 8, 8});
  auto moving = torch::zeros({1, 3, 4, 8, 8});
  for (int64_t t = 0; t < 4; ++t) moving.select(2, t).select(3, t).fill_(1.0);  // a moving column
  const auto c = content_complexity(torch::cat({still, moving}, 0));
  EXPECT_EQ(c[0].item<float>(), 0.0f);
  EXPECT_GT(c[1].item<float>(), 0.0f);
  EXPECT_LE(c[1].item<float>(), 1.0f);
}

TEST(ContentComplexity, FromTokensEqualsTheVideoDefinition) {
  // Patches that are one frame deep and two frames deep, so pairs inside a token and across
  // token edges (left, above, one frame back) are all counted.
  for (const PatchSize patch : {PatchSize{1, 4}, PatchSize{2, 2}}) {
    const auto video = torch::rand({2, 3, 4, 8, 12}) * 0.2;  // (N, C, T, H, W), c below the clamp
    const PatchGrid grid{4 / patch.frames, 8 / patch.size, 12 / patch.size};
    const auto tokens = model::patchify(video, patch);
    const auto from_tokens = content_complexity(tokens, {grid, 0}, patch, 3);
    EXPECT_TRUE(torch::allclose(from_tokens.to(torch::kFloat32), content_complexity(video), 1e-5))
        << "patch " << patch.frames << "x" << patch.size;
  }
}

TEST(ContentComplexity, FromTokensOfAnImageHasNoFrameTerm) {
  const auto image = torch::rand({1, 3, 1, 8, 8}) * 0.2;
  const PatchSize patch{1, 4};
  const auto tokens = model::patchify(image, patch);
  EXPECT_TRUE(torch::allclose(
      content_complexity(tokens, {PatchGrid{1, 2, 2}, 0}, patch, 3).to(torch::kFloat32),
      content_complexity(image), 1e-5));
}

TEST(GaussianDiffusion, PredictX0InvertsQSampleForEpsilonAndV) {
  const auto x0 = torch::randn({3, 5, 6});
  const auto noise = torch::randn({3, 5, 6});
  const auto ab = torch::tensor({0.9f, 0.5f, 0.01f});
  for (const auto prediction : {Prediction::kEpsilon, Prediction::kV}) {
    const GaussianDiffusion diffusion(NoiseSchedule::linear(10, 1e-4, 0.02), prediction);
    const auto x_t = diffusion.q_sample(x0, noise, ab);
    const auto target = diffusion.target(x0, noise, ab);
    EXPECT_TRUE(torch::allclose(diffusion.predict_x0(x_t, target, ab), x0, 1e-3, 1e-3));
    EXPECT_TRUE(torch::allclose(diffusion.predict_eps(x_t, target, ab), noise, 1e-4, 1e-4));
  }
}

TEST(Sampler, DdimIsDeterministicForAFixedSeed) {
  model::VideoDiTOptions options = testing::tiny_dit_options();
  options.depth = 1;
  options.caption.length = 4;
  model::VideoDiT dit(options);
  {
    torch::NoGradGuard no_grad;
    for (auto& parameter : dit->parameters()) parameter.add_(torch::randn_like(parameter) * 0.05);
  }
  const GaussianDiffusion diffusion(NoiseSchedule::linear(100, 1e-4, 0.02), Prediction::kEpsilon);
  const auto caption = torch::randint(1, 257, {2, 4}, torch::kInt64);
  SampleOptions sample_options;
  sample_options.steps = 10;
  sample_options.seed = 11;
  const auto first = sample(dit, diffusion, caption, {2, 2, 2}, sample_options);
  const auto second = sample(dit, diffusion, caption, {2, 2, 2}, sample_options);
  EXPECT_TRUE(torch::equal(first, second));
  sample_options.seed = 12;
  EXPECT_FALSE(torch::equal(first, sample(dit, diffusion, caption, {2, 2, 2}, sample_options)));
  sample_options.method = "ddpm";
  EXPECT_EQ(sample(dit, diffusion, caption, {2, 2, 2}, sample_options).sizes(), first.sizes());
}

TEST(Sampler, StartsFromTheInitialNoiseOfItsSeed) {
  // `vdit sample --tensors` writes initial_noise(shape, seed) as the noise the samples came from:
  // the first x_t the denoiser sees must be exactly that, for both methods.
  const GaussianDiffusion diffusion(NoiseSchedule::linear(100, 1e-4, 0.02), Prediction::kEpsilon);
  for (const char* method : {"ddim", "ddpm"}) {
    torch::Tensor first_input;
    const Denoiser recorder = [&](const torch::Tensor& x_t, int64_t) {
      if (!first_input.defined()) first_input = x_t.clone();
      return torch::zeros_like(x_t);
    };
    SampleOptions options;
    options.method = method;
    options.steps = 3;
    options.seed = 21;
    sample_loop(recorder, diffusion, {2, 6, 5}, options);
    ASSERT_TRUE(first_input.defined()) << method;
    EXPECT_TRUE(torch::equal(first_input, initial_noise({2, 6, 5}, 21))) << method;
    EXPECT_FALSE(torch::equal(first_input, initial_noise({2, 6, 5}, 22))) << method;
  }
}

TEST(Sampler, RecoversTheDataPointWithAnOracleDenoiser) {
  // A data set of one point x0: the ideal model output is known in closed form, so DDIM and DDPM
  // must land on x0 (up to float error) for both parameterizations.
  const auto x0 = torch::rand({1, 6, 5}) * 2 - 1;
  for (const auto prediction : {Prediction::kEpsilon, Prediction::kV}) {
    const GaussianDiffusion diffusion(NoiseSchedule::linear(1000, 1e-4, 0.02), prediction);
    const Denoiser oracle = [&](const torch::Tensor& x_t, int64_t t) {
      const double ab = diffusion.schedule().alphas_cumprod()[t].item<double>();
      const auto eps = (x_t - std::sqrt(ab) * x0) / std::sqrt(1 - ab);
      return diffusion.target(x0, eps, torch::full({1}, ab, torch::kFloat32));
    };
    for (const char* method : {"ddim", "ddpm"}) {
      SampleOptions options;
      options.method = method;
      options.steps = 20;
      const auto result = sample_loop(oracle, diffusion, {1, 6, 5}, options);
      EXPECT_TRUE(torch::allclose(result, x0, 1e-3, 1e-3)) << method;
    }
  }
}

}  // namespace
}  // namespace vdit::diffusion
