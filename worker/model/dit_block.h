// One DiT block: adaLN-Zero self-attention over all spatio-temporal tokens, cross-attention to the
// caption tokens (as in PixArt-alpha), adaLN-Zero MLP.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "worker/model/attention.h"
#include "worker/model/mlp.h"

namespace vdit::model {

// x * (1 + scale) + shift, with (N, D) shift/scale broadcast over the tokens of (N, L, D) x.
torch::Tensor modulate(const torch::Tensor& x, const torch::Tensor& shift,
                       const torch::Tensor& scale);

class DiTBlockImpl : public torch::nn::Module {
 public:
  DiTBlockImpl(int64_t dim, int64_t num_heads, int64_t mlp_hidden, ParallelContext context = {});
  // x (N, L, D), c (N, D) timestep + pooled caption, context (N, Lc, D) -> (N, L, D)
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& c,
                        const torch::Tensor& context);

  torch::nn::LayerNorm norm1{nullptr};  // no affine: adaLN supplies shift/scale
  SelfAttention attn{nullptr};
  torch::nn::LayerNorm norm_cross{nullptr};
  CrossAttention cross_attn{nullptr};
  torch::nn::LayerNorm norm2{nullptr};  // no affine
  Mlp mlp{nullptr};
  torch::nn::Sequential adaLN_modulation{nullptr};  // SiLU, replicated Linear(D, 6D); zeroed
};
TORCH_MODULE(DiTBlock);

}  // namespace vdit::model
