#include "worker/model/activation_checkpoint.h"

#include <gtest/gtest.h>

#include "worker/model/video_dit.h"

namespace vdit::model {
namespace {

VideoDiTOptions options_with(int64_t checkpoint_every) {
  VideoDiTOptions options;
  options.hidden_size = 24;
  options.depth = 3;
  options.num_heads = 2;
  options.patch = PatchSize{1, 2};
  options.caption = CaptionEncoderOptions{24, 2, 96, 6, 257, 0, 1};
  options.checkpoint_every = checkpoint_every;
  return options;
}

// Gradients of every parameter after one backward of sum(output^2) from identical weights/input.
std::vector<torch::Tensor> gradients(int64_t checkpoint_every) {
  torch::manual_seed(7);
  VideoDiT dit(options_with(checkpoint_every));
  {
    torch::NoGradGuard no_grad;
    for (auto& parameter : dit->parameters()) parameter.add_(torch::randn_like(parameter) * 0.05);
  }
  DiTInput input;
  input.grid = PatchGrid{2, 4, 4};
  input.tokens = torch::randn({2, 32, dit->options.token_dim()});
  input.timesteps = torch::tensor({3, 500}, torch::kInt64);
  input.caption = torch::randint(1, 257, {2, 6}, torch::kInt64);
  dit->forward(input).pow(2).sum().backward();
  std::vector<torch::Tensor> grads;
  for (const auto& parameter : dit->parameters()) grads.push_back(parameter.grad().clone());
  return grads;
}

TEST(ActivationCheckpoint, GradientsEqualPlainBackwardForFullAndEveryK) {
  const auto plain = gradients(0);
  for (const int64_t every : {1, 2}) {
    const auto checkpointed = gradients(every);
    ASSERT_EQ(plain.size(), checkpointed.size());
    for (size_t i = 0; i < plain.size(); ++i) {
      EXPECT_TRUE(torch::allclose(plain[i], checkpointed[i], 1e-5, 1e-6))
          << "parameter " << i << " every " << every;
    }
  }
}

TEST(ActivationCheckpoint, InputGradientFlowsThroughCheckpoint) {
  const auto x = torch::randn({3, 4}, torch::requires_grad());
  const auto w = torch::randn({4, 4}, torch::requires_grad());
  checkpoint([&](const std::vector<torch::Tensor>& in) { return torch::tanh(in[0].matmul(w)); },
             {x})
      .sum()
      .backward();
  const auto checkpointed_x = x.grad().clone(), checkpointed_w = w.grad().clone();
  x.mutable_grad().zero_();
  w.mutable_grad().zero_();
  torch::tanh(x.matmul(w)).sum().backward();
  EXPECT_TRUE(torch::allclose(x.grad(), checkpointed_x));
  EXPECT_TRUE(torch::allclose(w.grad(), checkpointed_w));
}

}  // namespace
}  // namespace vdit::model
