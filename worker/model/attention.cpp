#include "worker/model/attention.h"

#include <cmath>

#include "parallel/sequence_parallel_regions.h"
#include "worker/torch_compat.h"

namespace vdit::model {

torch::Tensor written_out_attention(const torch::Tensor& q, const torch::Tensor& k,
                                    const torch::Tensor& v) {
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  const auto weights =
      torch::softmax(torch::matmul(q * scale, k.transpose(-2, -1)), -1);  // (N, H, Lq, Lk)
  return torch::matmul(weights, v);                                       // (N, H, Lq, d)
}

torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v) {
#if VDIT_HAS_SDPA
  return compat::fused_attention(q, k, v);  // (N, H, Lq, d)
#else
  return written_out_attention(q, k, v);  // (N, H, Lq, d)
#endif
}

torch::Tensor split_heads(const torch::Tensor& x, int64_t num_heads) {
  return x.reshape({x.size(0), x.size(1), num_heads, -1}).transpose(1, 2);
}

torch::Tensor merge_heads(const torch::Tensor& x) {
  return x.transpose(1, 2).reshape({x.size(0), x.size(2), -1});
}

SelfAttentionImpl::SelfAttentionImpl(int64_t dim, int64_t num_heads, ParallelContext context)
    : local_heads(num_heads / context.tp_size()), context(context) {
  qkv = register_module("qkv", ParallelLinear(dim, 3 * dim, column_split(3), context.tp));
  proj = register_module("proj", ParallelLinear(dim, dim, row_split(), context.tp));
}

torch::Tensor SelfAttentionImpl::forward(const torch::Tensor& x) {
  const int64_t n = x.size(0), local_tokens = x.size(1);
  const auto qkv_out = qkv(x);  // (N, L/sp, 3 D/tp)
  // (N, L/sp, 3, H/tp, d): the three projections, heads split out
  const auto heads = qkv_out.reshape({n, local_tokens, 3, local_heads, -1});
  auto gather_sequence = [&](const torch::Tensor& t) {  // (N, L/sp, H/tp, d)
    return parallel::all_to_all_sp(t, context.sp, /*scatter_dim=*/2, /*gather_dim=*/1)
        .transpose(1, 2);  // (N, H/(tp sp), L, d)
  };
  const auto out =
      attention(gather_sequence(heads.select(2, 0)), gather_sequence(heads.select(2, 1)),
                gather_sequence(heads.select(2, 2)));  // (N, H/(tp sp), L, d)
  const auto local = parallel::all_to_all_sp(out.transpose(1, 2), context.sp, /*scatter_dim=*/1,
                                             /*gather_dim=*/2);  // (N, L/sp, H/tp, d)
  return proj(local.reshape({n, local_tokens, -1}));             // (N, L/sp, D)
}

CrossAttentionImpl::CrossAttentionImpl(int64_t dim, int64_t num_heads, ParallelContext context)
    : local_heads(num_heads / context.tp_size()) {
  q = register_module("q", ParallelLinear(dim, dim, column_split(), context.tp));
  kv = register_module("kv", ParallelLinear(dim, 2 * dim, column_split(2), context.tp));
  proj = register_module("proj", ParallelLinear(dim, dim, row_split(), context.tp));
}

torch::Tensor CrossAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& caption) {
  const auto kv_heads = kv(caption).chunk(2, -1);  // 2 x (N, Lc, D/tp)
  const auto out = attention(split_heads(q(x), local_heads), split_heads(kv_heads[0], local_heads),
                             split_heads(kv_heads[1], local_heads));  // (N, H/tp, L, d)
  return proj(merge_heads(out));                                      // (N, L, D)
}

}  // namespace vdit::model
