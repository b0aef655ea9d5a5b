// Multi-head attention: one attention function (so a fused kernel can replace it in one place),
// self-attention over all spatio-temporal tokens, and cross-attention to condition tokens, each
// tensor-parallel (Megatron: heads split across tp) and, for self-attention, sequence-parallel
// (DeepSpeed-Ulysses). With a one-rank ParallelContext every region below is the identity.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "worker/model/parallel_context.h"
#include "worker/model/parallel_linear.h"

namespace vdit::model {

// softmax(q k^T / sqrt(d)) v. q (N, H, Lq, d), k and v (N, H, Lk, d) -> (N, H, Lq, d).
// LibTorch's fused at::scaled_dot_product_attention where it has one (2.x: flash or
// memory-efficient kernels on CUDA, never materializing the L x L weights), else
// written_out_attention.
torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v);

// The same formula written out: q is scaled by 1/sqrt(d) before the product, so the scale costs
// L d multiplications instead of L^2 on the scores. The fallback of attention(), and its reference
// in tests.
torch::Tensor written_out_attention(const torch::Tensor& q, const torch::Tensor& k,
                                    const torch::Tensor& v);

// (N, L, H*d) <-> (N, H, L, d)
torch::Tensor split_heads(const torch::Tensor& x, int64_t num_heads);
torch::Tensor merge_heads(const torch::Tensor& x);

// Y = Attention(X W_qkv) W_proj + b. W_qkv is column-parallel: this rank holds the q, k and v
// columns of its num_heads / tp heads; W_proj is row-parallel (its input columns), so the partial
// products are summed over tp before the (replicated) bias is added. Under sequence parallelism
// x holds L/sp tokens: an all-to-all turns "my tokens, my heads" into "all tokens, heads/sp" before
// attention and back after it.
class SelfAttentionImpl : public torch::nn::Module {
 public:
  SelfAttentionImpl(int64_t dim, int64_t num_heads, ParallelContext context = {});
  torch::Tensor forward(const torch::Tensor& x);  // (N, L/sp, D) -> (N, L/sp, D)

  int64_t local_heads;  // num_heads / tp
  ParallelContext context;
  ParallelLinear qkv{nullptr};   // column, 3 blocks: D -> 3 D/tp, [q | k | v] of the local heads
  ParallelLinear proj{nullptr};  // row: weight (D, D/tp); bias (D) replicated
};
TORCH_MODULE(SelfAttention);

// Queries from the video tokens, keys/values from the caption tokens; tensor-parallel like
// self-attention. Every sequence-parallel rank has all caption tokens, so sp needs no traffic.
class CrossAttentionImpl : public torch::nn::Module {
 public:
  CrossAttentionImpl(int64_t dim, int64_t num_heads, ParallelContext context = {});
  // x (N, L, D) attends to the caption tokens (N, Lc, D) -> (N, L, D)
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& caption);

  int64_t local_heads;
  ParallelLinear q{nullptr};     // column: D -> D/tp
  ParallelLinear kv{nullptr};    // column, 2 blocks: D -> 2 D/tp, [k | v]
  ParallelLinear proj{nullptr};  // row: weight (D, D/tp); bias replicated
};
TORCH_MODULE(CrossAttention);

}  // namespace vdit::model
