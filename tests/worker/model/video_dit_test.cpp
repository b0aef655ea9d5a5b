#include "worker/model/video_dit.h"

#include <gtest/gtest.h>

#include "data/caption_tokenizer.h"
#include "tests/worker/model/tiny_dit_options.h"

namespace vdit::model {
namespace {

VideoDiTOptions tiny_options() { return testing::tiny_dit_options(); }

DiTInput random_input(PatchGrid grid, const VideoDiTOptions& options, int64_t n = 2) {
  DiTInput input;
  input.grid = grid;
  input.tokens = torch::randn({n, grid.tokens(), options.token_dim()});
  input.timesteps = torch::randint(0, 1000, {n}, torch::kInt64);
  input.caption = torch::randint(1, 257, {n, options.caption.length}, torch::kInt64);
  return input;
}

void make_nonzero(VideoDiT& dit) {
  torch::NoGradGuard no_grad;
  for (auto& parameter : dit->parameters()) parameter.add_(torch::randn_like(parameter) * 0.05);
}

TEST(VideoDiT, OutputMatchesInputShapeForSeveralResolutionsAndFrameCounts) {
  VideoDiT dit(tiny_options());
  for (const PatchGrid grid :
       {PatchGrid{1, 8, 8}, PatchGrid{4, 8, 8}, PatchGrid{8, 4, 6}, PatchGrid{2, 16, 16}}) {
    const auto input = random_input(grid, dit->options);
    EXPECT_EQ(dit->forward(input).sizes(), input.tokens.sizes());
  }
}

TEST(VideoDiT, OutputsZerosWhenFreshlyInitialized) {
  VideoDiT dit(tiny_options());
  const auto output = dit->forward(random_input({2, 4, 4}, dit->options));
  EXPECT_EQ(output.abs().max().item<float>(), 0.0f);
}

TEST(VideoDiT, ConditionDropoutChangesTheOutput) {
  VideoDiT dit(tiny_options());
  make_nonzero(dit);
  auto input = random_input({1, 4, 4}, dit->options);
  const auto kept = dit->forward(input);
  input.drop_condition = torch::ones({2}, torch::kBool);
  const auto dropped = dit->forward(input);
  EXPECT_GT((kept - dropped).abs().max().item<float>(), 1e-4);
}

TEST(VideoDiT, PrecomputedEmbeddingsModeRuns) {
  auto options = tiny_options();
  options.caption.embed_dim = 10;
  VideoDiT dit(options);
  auto input = random_input({1, 4, 4}, options);
  input.caption = torch::randn({2, options.caption.length, 10});
  input.drop_condition = torch::tensor({true, false});
  EXPECT_EQ(dit->forward(input).sizes(), input.tokens.sizes());
}

TEST(VideoDiT, FreshCaptionEncoderKeepsEachCaptionPositionDistinct) {
  // The demo's text encoder: width 96, 4 heads, one layer, 64 byte ids (half of them padding).
  torch::manual_seed(0);
  VideoDiTOptions options = tiny_options();
  options.hidden_size = 96;
  options.num_heads = 4;
  options.caption = CaptionEncoderOptions{96, 4, 192, 64, 257, 0, 1};
  VideoDiT dit(options);
  const auto encoded = data::CaptionTokenizer(64).encode("a large orange square moving left");
  const auto ids =
      torch::tensor(std::vector<int64_t>(encoded.begin(), encoded.end())).unsqueeze(0);  // (1, 64)
  torch::NoGradGuard no_grad;
  const auto context = dit->caption_encoder(ids, torch::Tensor())[0];  // (64, 96)
  const auto unit = context / context.norm(2, 1, true);
  // Mean cosine similarity of all pairs of context tokens: with the caption tables at 0.02 the
  // first attention's average over positions drowned every token, and this was ~0.9.
  const double mean_similarity = torch::mm(unit, unit.t()).mean().item<double>();
  EXPECT_LT(mean_similarity, 0.5);
}

}  // namespace
}  // namespace vdit::model
