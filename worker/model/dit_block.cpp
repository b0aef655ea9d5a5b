#include "worker/model/dit_block.h"

#include <torch/nn/modules/activation.h>

namespace vdit::model {

torch::Tensor modulate(const torch::Tensor& x, const torch::Tensor& shift,
                       const torch::Tensor& scale) {
  return x * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1);
}

namespace {
torch::nn::LayerNorm plain_norm(int64_t dim) {
  return torch::nn::LayerNorm(
      torch::nn::LayerNormOptions({dim}).elementwise_affine(false).eps(1e-6));
}
}  // namespace

DiTBlockImpl::DiTBlockImpl(int64_t dim, int64_t num_heads, int64_t mlp_hidden,
                           ParallelContext context) {
  norm1 = register_module("norm1", plain_norm(dim));
  attn = register_module("attn", SelfAttention(dim, num_heads, context));
  norm_cross = register_module("norm_cross",
                               torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(1e-6)));
  cross_attn = register_module("cross_attn", CrossAttention(dim, num_heads, context));
  norm2 = register_module("norm2", plain_norm(dim));
  mlp = register_module("mlp", Mlp(dim, mlp_hidden, context));
  adaLN_modulation = register_module(
      "adaLN_modulation", torch::nn::Sequential(torch::nn::SiLU(), ParallelLinear(dim, 6 * dim)));
}

torch::Tensor DiTBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& c,
                                    const torch::Tensor& context) {
  const auto terms = adaLN_modulation->forward(c).chunk(6, 1);  // 6 x (N, D)
  const auto &shift_msa = terms[0], &scale_msa = terms[1], &gate_msa = terms[2];
  const auto &shift_mlp = terms[3], &scale_mlp = terms[4], &gate_mlp = terms[5];
  auto h = x + gate_msa.unsqueeze(1) * attn(modulate(norm1(x), shift_msa, scale_msa));  // (N, L, D)
  h = h + cross_attn(norm_cross(h), context);                                           // (N, L, D)
  return h + gate_mlp.unsqueeze(1) * mlp(modulate(norm2(h), shift_mlp, scale_mlp));     // (N, L, D)
}

}  // namespace vdit::model
