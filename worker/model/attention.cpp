// Plain softmax attention; LibTorch 1.13 has no fused scaled_dot_product_attention.
#include "worker/model/attention.h"

#include <cmath>

namespace vdit::model {

torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v) {
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  const auto weights = torch::softmax(torch::matmul(q, k.transpose(-2, -1)) * scale, -1);  // (N, H, Lq, Lk)
  return torch::matmul(weights, v);                                                       // (N, H, Lq, d)
}

torch::Tensor split_heads(const torch::Tensor& x, int64_t num_heads) {
  return x.reshape({x.size(0), x.size(1), num_heads, -1}).transpose(1, 2);
}

torch::Tensor merge_heads(const torch::Tensor& x) {
  return x.transpose(1, 2).reshape({x.size(0), x.size(2), -1});
}

SelfAttentionImpl::SelfAttentionImpl(int64_t dim, int64_t num_heads) : num_heads(num_heads) {
  qkv = register_module("qkv", torch::nn::Linear(dim, 3 * dim));
  proj = register_module("proj", torch::nn::Linear(dim, dim));
}

torch::Tensor SelfAttentionImpl::forward(const torch::Tensor& x) {
  const auto qkv_heads = qkv(x).chunk(3, -1);  // 3 x (N, L, D)
  const auto out = attention(split_heads(qkv_heads[0], num_heads), split_heads(qkv_heads[1], num_heads),
                             split_heads(qkv_heads[2], num_heads));  // (N, H, L, d)
  return proj(merge_heads(out));                                     // (N, L, D)
}

CrossAttentionImpl::CrossAttentionImpl(int64_t dim, int64_t num_heads) : num_heads(num_heads) {
  q = register_module("q", torch::nn::Linear(dim, dim));
  kv = register_module("kv", torch::nn::Linear(dim, 2 * dim));
  proj = register_module("proj", torch::nn::Linear(dim, dim));
}

torch::Tensor CrossAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& context) {
  const auto kv_heads = kv(context).chunk(2, -1);  // 2 x (N, Lc, D)
  const auto out = attention(split_heads(q(x), num_heads), split_heads(kv_heads[0], num_heads),
                             split_heads(kv_heads[1], num_heads));  // (N, H, L, d)
  return proj(merge_heads(out));                                    // (N, L, D)
}

}  // namespace vdit::model
