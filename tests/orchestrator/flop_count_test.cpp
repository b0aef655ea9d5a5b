#include "orchestrator/flop_count.h"

#include <gtest/gtest.h>

namespace vdit::orchestrator {
namespace {

TEST(FlopCount, MatchesAHandCountForATinyConfig) {
  // D = 4, one block, one head, MLP hidden 8, 1x1x1 patches of 1 channel (token_dim 1), L = 3
  // tokens, Lc = 2 caption tokens, no text-encoder layers. A multiply-add is 2 FLOPs.
  model::VideoDiTOptions options;
  options.hidden_size = 4;
  options.depth = 1;
  options.num_heads = 1;
  options.mlp_ratio = 2.0;
  options.patch = PatchSize{1, 1};
  options.channels = 1;
  options.caption = model::CaptionEncoderOptions{4, 1, 8, 2, 257, 0, 0};
  const double patch_embed = 2 * 3 * 1 * 4;              // 24
  const double timestep_mlp = 2 * 256 * 4 + 2 * 4 * 4;   // 2080
  const double caption_pool = 2 * 4 * 4;                 // 32
  const double self_attention = 2 * 3 * 4 * 12           // qkv: 288
                                + 2 * 2 * 3 * 3 * 4      // q k^T and weights v: 144
                                + 2 * 3 * 4 * 4;         // proj: 96
  const double cross_attention = 2 * 3 * 4 * 4           // q: 96
                                 + 2 * 2 * 4 * 8         // kv over the 2 caption tokens: 128
                                 + 2 * 2 * 3 * 2 * 4     // scores and weighted values: 96
                                 + 2 * 3 * 4 * 4;        // proj: 96
  const double mlp = 2 * 3 * 4 * 8 * 2;                  // fc1 + fc2: 384
  const double adaln = 2 * 4 * 24;                       // 192
  const double final_layer = 2 * 4 * 8 + 2 * 3 * 4 * 1;  // 88
  const double expected = patch_embed + timestep_mlp + caption_pool + self_attention +
                          cross_attention + mlp + adaln + final_layer;
  EXPECT_DOUBLE_EQ(expected, 3744);
  EXPECT_DOUBLE_EQ(forward_flops_per_sample(options, 3), expected);
  EXPECT_DOUBLE_EQ(training_flops_per_sample(options, 3), 3 * expected);
}

}  // namespace
}  // namespace vdit::orchestrator
