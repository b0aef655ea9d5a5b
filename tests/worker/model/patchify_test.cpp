#include "worker/model/patchify.h"

#include <gtest/gtest.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include "worker/model/position_embedding.h"

namespace vdit::model {
namespace {

TEST(Patchify, RoundTripsForSeveralShapes) {
  for (const auto& [t, h, w, pt, p] :
       std::vector<std::array<int64_t, 5>>{{1, 8, 8, 1, 4}, {4, 16, 8, 2, 4}, {6, 12, 20, 3, 2}}) {
    const auto video = torch::randn({2, 3, t, h, w});
    const PatchSize patch{pt, p};
    const auto tokens = patchify(video, patch);
    ASSERT_EQ(tokens.sizes(),
              (std::vector<int64_t>{2, (t / pt) * (h / p) * (w / p), pt * p * p * 3}));
    EXPECT_TRUE(torch::equal(unpatchify(tokens, {t / pt, h / p, w / p}, patch, 3), video));
  }
}

TEST(Patchify, TokenValuesAreInTimeRowColumnChannelOrder) {
  // A 1x2x2 RGB video with one 1x2x2 patch: values must come out as (dy, dx, c).
  const auto video =
      torch::arange(12, torch::kFloat32).reshape({1, 3, 1, 2, 2});  // (N, C, T, H, W)
  const auto token = patchify(video, {1, 2}).flatten();
  // pixel (y, x) channel c sits at c*4 + y*2 + x in the input
  const std::vector<float> expected = {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11};
  EXPECT_TRUE(torch::equal(token, torch::tensor(expected)));
}

TEST(Patchify, LinearOnTokensEqualsConv3dWithKernelEqualStride) {
  const int64_t channels = 3, dim = 8;
  const PatchSize patch{2, 4};
  torch::nn::Conv3d conv(torch::nn::Conv3dOptions(channels, dim, {2, 4, 4}).stride({2, 4, 4}));
  torch::nn::Linear linear(patch.token_dim(channels), dim);
  {
    torch::NoGradGuard no_grad;
    // conv weight (D, C, pt, p, p) -> token order (pt, p, p, C)
    linear->weight.copy_(conv->weight.permute({0, 2, 3, 4, 1}).reshape({dim, -1}));
    linear->bias.copy_(conv->bias);
  }
  const auto video = torch::randn({2, channels, 4, 8, 12});
  const auto from_conv =
      conv(video).flatten(2).transpose(1, 2);  // (N, T'H'W', D) in (t, h, w) order
  const auto from_linear = linear(patchify(video, patch));
  EXPECT_TRUE(torch::allclose(from_conv, from_linear, 1e-5, 1e-5));
}

TEST(Sincos3d, SliceEqualsRowsOfTheWholeTable) {
  const PatchGrid grid{3, 4, 5};
  const auto whole = sincos_3d(grid, 48, 0, grid.tokens());
  ASSERT_EQ(whole.sizes(), (std::vector<int64_t>{60, 48}));
  EXPECT_TRUE(torch::equal(sincos_3d(grid, 48, 20, 20), whole.narrow(0, 20, 20)));
  // Tokens at different positions get different embeddings.
  EXPECT_GT((whole[0] - whole[1]).abs().sum().item<float>(), 0.1);
  EXPECT_GT((whole[0] - whole[20]).abs().sum().item<float>(), 0.1);
}

}  // namespace
}  // namespace vdit::model
