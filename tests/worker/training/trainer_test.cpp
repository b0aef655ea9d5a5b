#include "worker/training/trainer.h"

#include <gtest/gtest.h>

#include "core/config_io.h"
#include "core/config_validate.h"
#include "core/error.h"
#include "tests/worker/training/fixed_batch.h"
#include "worker/training/stage_losses.h"

namespace vdit::training {
namespace {

RunConfig tiny_config() {
  RunConfig config =
      parse_run_config("", "test.toml",
                       {"model.hidden_size=32", "model.depth=2", "model.num_heads=2",
                        "model.caption_length=8", "optimizer.lr=3e-3", "optimizer.ema_decay=0.9"});
  resolve_and_validate(config);
  return config;
}


TEST(Trainer, OverfitsAFixedBatchByMoreThanTenTimes) {
  torch::manual_seed(0);
  const RunConfig config = tiny_config();
  Trainer trainer(config, torch::kCPU);
  const data::LocalBatch batch = testing::fixed_batch();
  StepPlan plan;  // step 0 every time: the same noise and timesteps, so the model can memorize
  plan.lr = 3e-3;
  const double first = trainer.train_step(batch, plan).loss;
  double last = first;
  for (int i = 0; i < 150; ++i) last = trainer.train_step(batch, plan).loss;
  EXPECT_LT(last, first / 10) << "first " << first << " last " << last;
}

TEST(Trainer, MicroBatchesGiveTheSameStepAsOneBatch) {
  RunConfig config = tiny_config();
  const data::LocalBatch batch = testing::fixed_batch();
  StepPlan plan;
  plan.lr = 1e-3;
  plan.temporal_weight = 0.1;
  Trainer whole(config, torch::kCPU);
  config.training.micro_batch = 1;
  Trainer micro(config, torch::kCPU);
  const auto a = whole.train_step(batch, plan), b = micro.train_step(batch, plan);
  EXPECT_NEAR(a.loss, b.loss, 1e-5);
  EXPECT_NEAR(a.grad_norm, b.grad_norm, 1e-4 * a.grad_norm);
  const auto pa = whole.model()->parameters(), pb = micro.model()->parameters();
  for (size_t i = 0; i < pa.size(); ++i)
    EXPECT_TRUE(torch::allclose(pa[i], pb[i], 1e-5, 1e-6)) << i;
}

TEST(Trainer, PerceptualStageAddsTheWeightedFeatureLossToTheObjective) {
  RunConfig config = tiny_config();
  config.curriculum.perceptual_network =
      std::string(VDIT_SOURCE_DIR) + "/tests/fixtures/eval/perceptual_tiny.pt";
  Trainer trainer(config, torch::kCPU);
  StepPlan plan;
  plan.lr = 1e-3;
  plan.perceptual_weight = 0.2;
  const StepReport report = trainer.train_step(testing::fixed_batch(), plan);
  EXPECT_GT(report.perceptual_loss, 0.0);
  EXPECT_NEAR(report.loss, report.diffusion_loss + 0.2 * report.perceptual_loss,
              1e-6 * report.loss);
}

TEST(Trainer, PerceptualStageWithoutANetworkIsAnInputError) {
  const RunConfig config = tiny_config();  // the trainer keeps a reference to it
  Trainer trainer(config, torch::kCPU);
  StepPlan plan;
  plan.perceptual_weight = 0.2;
  EXPECT_THROW(trainer.train_step(testing::fixed_batch(), plan), InputError);
}

// 3 patch-frames of 2 x 2 tokens on one rank.
model::SequenceSlice three_frames() { return {PatchGrid{3, 2, 2}, 0}; }

TEST(StageLosses, VanishForPerfectPredictionAndConstantVelocity) {
  const auto truth = torch::randn({2, 12, 5});  // 3 frames of 4 tokens
  EXPECT_EQ(stage_losses(truth, truth, three_frames()).temporal.sizes(), (std::vector<int64_t>{2}));
  EXPECT_EQ(stage_losses(truth, truth, three_frames()).temporal.abs().max().item<float>(), 0.0f);
  EXPECT_GT(stage_losses(truth + torch::randn({2, 12, 5}), truth, three_frames())
                .temporal.min()
                .item<float>(),
            0.0f);
  // frames 0, 1, 2 at constant velocity: no second difference
  const auto frame = torch::randn({2, 4, 5});
  const auto linear = torch::cat({frame, frame * 2, frame * 3}, 1);
  EXPECT_NEAR(stage_losses(linear, linear, three_frames()).motion.abs().max().item<float>(), 0.0f,
              1e-10);
  const model::SequenceSlice two_frames{PatchGrid{2, 2, 2}, 0};
  const auto two = torch::randn({2, 8, 5});
  EXPECT_EQ(stage_losses(two, two, two_frames).motion.abs().max().item<float>(),
            0.0f);  // 2 frames -> 0
}

TEST(StageLosses, EqualTheMeanSquaredFrameDifferencesOnOneRank) {
  const auto predicted = torch::randn({2, 12, 5}), truth = torch::randn({2, 12, 5});
  const auto frames = [](const torch::Tensor& x) { return x.reshape({2, 3, 4, 5}); };
  const auto step = [](const torch::Tensor& f) {
    return f.narrow(1, 1, f.size(1) - 1) - f.narrow(1, 0, f.size(1) - 1);
  };
  const auto temporal = (step(frames(predicted)) - step(frames(truth))).pow(2).mean({1, 2, 3});
  const auto motion = step(step(frames(predicted))).pow(2).mean({1, 2, 3});
  const StageLossShares losses = stage_losses(predicted, truth, three_frames());
  EXPECT_TRUE(torch::allclose(losses.temporal, temporal, 1e-5, 1e-7));
  EXPECT_TRUE(torch::allclose(losses.motion, motion, 1e-5, 1e-7));
}

}  // namespace
}  // namespace vdit::training
