// Train a tiny model on one image, then sample it back: catches any mismatch between the training
// path (noising, targets, conditioning) and the sampling path.
#include <gtest/gtest.h>

#include "core/config_io.h"
#include "core/config_validate.h"
#include "worker/diffusion/sampler.h"
#include "worker/training/trainer.h"

namespace vdit::training {
namespace {

TEST(SampleAfterTraining, DdimReproducesTheOnlyTrainingImage) {
  torch::manual_seed(0);
  RunConfig config = parse_run_config(
      "", "test.toml",
      {"model.hidden_size=48", "model.depth=2", "model.num_heads=2", "model.caption_length=4",
       "diffusion.content_adaptive=false", "diffusion.prediction=v", "optimizer.ema_decay=0"});
  resolve_and_validate(config);
  Trainer trainer(config, torch::kCPU);
  // One 8x8 RGB image: left half red, right half blue, as 4 tokens of a 4x4 patch.
  auto image = torch::full({1, 3, 1, 8, 8}, -1.0f);
  image.index_put_({0, 0, 0, torch::indexing::Slice(), torch::indexing::Slice(0, 4)}, 1.0f);
  image.index_put_({0, 2, 0, torch::indexing::Slice(), torch::indexing::Slice(4, 8)}, 1.0f);
  const auto tokens = model::patchify(image, {1, 4}).repeat({8, 1, 1});  // (8, 4, 48)
  data::LocalBatch batch;
  batch.grid = PatchGrid{1, 2, 2};
  batch.batch = 8;
  batch.tokens_per_sample_local = 4;
  batch.token_dim = 48;
  batch.tokens.assign(tokens.data_ptr<float>(), tokens.data_ptr<float>() + tokens.numel());
  batch.caption_length = 4;
  batch.caption_ids.assign(32, 7);
  StepPlan plan;
  plan.lr = 1e-3;
  for (int64_t step = 0; step < 800; ++step) {
    plan.step = step;
    batch.global_sample_index = {8 * step,     8 * step + 1, 8 * step + 2, 8 * step + 3,
                                 8 * step + 4, 8 * step + 5, 8 * step + 6, 8 * step + 7};
    trainer.train_step(batch, plan);
  }
  diffusion::SampleOptions options;
  options.steps = 20;
  options.guidance_scale = 1.0;
  const auto caption = torch::full({2, 4}, 7, torch::kInt64);
  const auto result =
      diffusion::sample(trainer.model(), trainer.diffusion(), caption, {1, 2, 2}, options);
  const double error = (result - tokens.narrow(0, 0, 2)).abs().mean().item<double>();
  EXPECT_LT(error, 0.2) << "mean absolute error of the sample against the training image";
}

}  // namespace
}  // namespace vdit::training
