// Multi-head attention: one attention function (so a fused kernel can replace it in one place),
// self-attention over all spatio-temporal tokens, and cross-attention to condition tokens.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace vdit::model {

// softmax(q k^T / sqrt(d)) v. q (N, H, Lq, d), k and v (N, H, Lk, d) -> (N, H, Lq, d).
torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v);

// (N, L, H*d) <-> (N, H, L, d)
torch::Tensor split_heads(const torch::Tensor& x, int64_t num_heads);
torch::Tensor merge_heads(const torch::Tensor& x);

class SelfAttentionImpl : public torch::nn::Module {
 public:
  SelfAttentionImpl(int64_t dim, int64_t num_heads);
  torch::Tensor forward(const torch::Tensor& x);  // (N, L, D) -> (N, L, D)

  int64_t num_heads;
  torch::nn::Linear qkv{nullptr};   // D -> 3D, [q | k | v]
  torch::nn::Linear proj{nullptr};  // D -> D
};
TORCH_MODULE(SelfAttention);

class CrossAttentionImpl : public torch::nn::Module {
 public:
  CrossAttentionImpl(int64_t dim, int64_t num_heads);
  // x (N, L, D) attends to context (N, Lc, D) -> (N, L, D)
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context);

  int64_t num_heads;
  torch::nn::Linear q{nullptr};     // D -> D
  torch::nn::Linear kv{nullptr};    // D -> 2D, [k | v]
  torch::nn::Linear proj{nullptr};  // D -> D
};
TORCH_MODULE(CrossAttention);

}  // namespace vdit::model
