#include "worker/model/parallel_linear.h"

#include <gtest/gtest.h>
#include <torch/nn/modules/linear.h>

#include "core/error.h"
#include "tests/worker/model/shape_only_communicator.h"
#include "tests/worker/model/tiny_dit_options.h"
#include "worker/model/tensor_parallel_plan.h"
#include "worker/model/video_dit.h"

namespace vdit::model {
namespace {

VideoDiTOptions tiny_options(int64_t embed_dim) {
  VideoDiTOptions options = testing::tiny_dit_options();
  options.caption.embed_dim = embed_dim;
  return options;
}

ParallelContext tp_rank_of_two(int rank) {
  ParallelContext context;
  context.tp = testing::shape_only_communicator(rank, 2);
  return context;
}

TEST(ParallelLinear, DrawsTheSameWeightsAndOutputsAsTorchLinearWhenReplicated) {
  torch::manual_seed(3);
  torch::nn::Linear reference(5, 7);
  torch::manual_seed(3);
  ParallelLinear linear(5, 7);
  EXPECT_TRUE(torch::equal(linear->weight, reference->weight));
  EXPECT_TRUE(torch::equal(linear->bias, reference->bias));
  const auto x = torch::randn({2, 3, 5});
  EXPECT_TRUE(torch::equal(linear(x), reference(x)));
  EXPECT_EQ(linear->named_parameters().keys(), reference->named_parameters().keys());
}

TEST(ParallelLinear, HoldsThisRanksShareWhenItsGroupHasTwoRanks) {
  const parallel::Communicator tp = testing::shape_only_communicator(1, 2);
  ParallelLinear fused(8, 12, column_split(3), tp);  // [q | k | v] of 4 outputs each
  EXPECT_EQ(fused->weight.sizes(), (std::vector<int64_t>{6, 8}));
  EXPECT_EQ(fused->bias.sizes(), (std::vector<int64_t>{6}));
  EXPECT_EQ(fused->bias_rule().blocks, 3);
  ParallelLinear row(8, 12, row_split(), tp);
  EXPECT_EQ(row->weight.sizes(), (std::vector<int64_t>{12, 4}));
  EXPECT_EQ(row->bias.sizes(), (std::vector<int64_t>{12}));
  EXPECT_EQ(row->bias_rule().style, ShardStyle::kReplicated);
}

TEST(ParallelLinear, ThrowsNamingTheSizesWhenFeaturesDoNotSplit) {
  const parallel::Communicator tp = testing::shape_only_communicator(0, 2);
  try {
    ParallelLinear(8, 9, column_split(3), tp);
    FAIL() << "9 outputs in 3 blocks cannot be split over 2 ranks";
  } catch (const RuntimeError& error) {
    EXPECT_NE(std::string(error.what()).find("9 output features"), std::string::npos)
        << error.what();
  }
}

TEST(TensorParallelPlan, EveryLinearOfTheDiTDeclaresItsSplit) {
  for (const int64_t embed_dim : {0, 16}) {  // caption ids (text layers) and embeddings
    const VideoDiT dit(tiny_options(embed_dim), tp_rank_of_two(0));
    int64_t linears = 0;
    for (const auto& item : dit->named_modules()) {
      EXPECT_EQ(item.value()->as<torch::nn::LinearImpl>(), nullptr)
          << item.key() << " is a torch::nn::Linear: build it as a ParallelLinear with its style";
      linears += item.value()->as<ParallelLinearImpl>() != nullptr;
    }
    // 2 blocks x (qkv, proj, q, kv, proj, fc1, fc2, adaLN) + x_embedder, t_embedder fc1 and fc2,
    // caption_pool, final linear and adaLN + the caption side: one text layer's qkv, proj, fc1,
    // fc2 (ids) or the projection (embeddings).
    EXPECT_EQ(linears, 2 * 8 + 6 + (embed_dim > 0 ? 1 : 4));
  }
}

TEST(TensorParallelPlan, CutsEachWholeParameterToTheShapeATpRankHolds) {
  const VideoDiT whole(tiny_options(0));
  for (const int rank : {0, 1}) {
    const VideoDiT sharded(tiny_options(0), tp_rank_of_two(rank));
    const TensorParallelPlan plan(*sharded);
    const auto full = whole->named_parameters();
    int64_t split = 0;
    for (const auto& item : sharded->named_parameters()) {
      const ShardRule rule = plan.rule_of(item.key());
      split += plan.is_split(item.key());
      EXPECT_EQ(shard_tensor(full[item.key()], rule, rank, 2).sizes(), item.value().sizes())
          << item.key();
    }
    EXPECT_EQ(split, 2 * 11);  // per block: 4 column weights and their biases, 3 row weights
  }
  const TensorParallelPlan plan(*VideoDiT(tiny_options(0), tp_rank_of_two(0)));
  EXPECT_EQ(plan.rule_of("blocks.0.attn.qkv.weight").blocks, 3);
  EXPECT_EQ(plan.rule_of("blocks.1.cross_attn.kv.bias").blocks, 2);
  EXPECT_EQ(plan.rule_of("blocks.1.mlp.fc2.weight").style, ShardStyle::kRow);
  EXPECT_FALSE(plan.is_split("blocks.1.mlp.fc2.bias"));
  EXPECT_FALSE(plan.is_split("caption_encoder.layers.0.attn.qkv.weight"));  // run whole
  EXPECT_FALSE(plan.is_split("blocks.0.adaLN_modulation.1.weight"));
  EXPECT_TRUE(TensorParallelPlan(*whole).rule_of("blocks.0.attn.qkv.weight").style ==
              ShardStyle::kReplicated);  // one rank holds every tensor whole
}

}  // namespace
}  // namespace vdit::model
