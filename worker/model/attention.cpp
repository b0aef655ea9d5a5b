// Plain softmax attention; LibTorch 1.13 has no fused scaled_dot_product_attention.
#include "worker/model/attention.h"

#include <torch/nn/functional/linear.h>

#include <cmath>

#include "parallel/sequence_parallel_regions.h"
#include "parallel/tensor_parallel_regions.h"

namespace vdit::model {

torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v) {
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  const auto weights =
      torch::softmax(torch::matmul(q, k.transpose(-2, -1)) * scale, -1);  // (N, H, Lq, Lk)
  return torch::matmul(weights, v);                                       // (N, H, Lq, d)
}

torch::Tensor split_heads(const torch::Tensor& x, int64_t num_heads) {
  return x.reshape({x.size(0), x.size(1), num_heads, -1}).transpose(1, 2);
}

torch::Tensor merge_heads(const torch::Tensor& x) {
  return x.transpose(1, 2).reshape({x.size(0), x.size(2), -1});
}

torch::Tensor row_parallel_linear(const torch::Tensor& x, const torch::nn::Linear& linear,
                                  const parallel::Communicator& tp) {
  const auto partial = torch::nn::functional::linear(x, linear->weight);  // (.., D) partial sum
  return parallel::reduce_from_tp(partial, tp) + linear->bias;
}

SelfAttentionImpl::SelfAttentionImpl(int64_t dim, int64_t num_heads, ParallelContext parallel)
    : local_heads(num_heads / parallel.tp_size()), parallel(parallel) {
  const int64_t local_dim = dim / parallel.tp_size();
  qkv = register_module("qkv", torch::nn::Linear(dim, 3 * local_dim));
  proj = register_module("proj", torch::nn::Linear(local_dim, dim));
}

torch::Tensor SelfAttentionImpl::forward(const torch::Tensor& x) {
  const int64_t n = x.size(0), local_tokens = x.size(1);
  const auto qkv_out = qkv(parallel::copy_to_tp(x, parallel.tp));  // (N, L/sp, 3 D/tp)
  // (N, L/sp, 3, H/tp, d): the three projections, heads split out
  const auto heads = qkv_out.reshape({n, local_tokens, 3, local_heads, -1});
  auto gather_sequence = [&](const torch::Tensor& t) {  // (N, L/sp, H/tp, d)
    return parallel::all_to_all_sp(t, parallel.sp, /*scatter_dim=*/2, /*gather_dim=*/1)
        .transpose(1, 2);  // (N, H/(tp sp), L, d)
  };
  const auto out =
      attention(gather_sequence(heads.select(2, 0)), gather_sequence(heads.select(2, 1)),
                gather_sequence(heads.select(2, 2)));  // (N, H/(tp sp), L, d)
  const auto local = parallel::all_to_all_sp(out.transpose(1, 2), parallel.sp, /*scatter_dim=*/1,
                                             /*gather_dim=*/2);  // (N, L/sp, H/tp, d)
  return row_parallel_linear(local.reshape({n, local_tokens, -1}), proj,
                             parallel.tp);  // (N, L/sp, D)
}

CrossAttentionImpl::CrossAttentionImpl(int64_t dim, int64_t num_heads, ParallelContext parallel)
    : local_heads(num_heads / parallel.tp_size()), parallel(parallel) {
  const int64_t local_dim = dim / parallel.tp_size();
  q = register_module("q", torch::nn::Linear(dim, local_dim));
  kv = register_module("kv", torch::nn::Linear(dim, 2 * local_dim));
  proj = register_module("proj", torch::nn::Linear(local_dim, dim));
}

torch::Tensor CrossAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& context) {
  const auto kv_heads =
      kv(parallel::copy_to_tp(context, parallel.tp)).chunk(2, -1);  // 2 x (N, Lc, D/tp)
  const auto out = attention(split_heads(q(parallel::copy_to_tp(x, parallel.tp)), local_heads),
                             split_heads(kv_heads[0], local_heads),
                             split_heads(kv_heads[1], local_heads));  // (N, H/tp, L, d)
  return row_parallel_linear(merge_heads(out), proj, parallel.tp);    // (N, L, D)
}

}  // namespace vdit::model
