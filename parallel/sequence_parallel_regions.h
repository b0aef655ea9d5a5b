// DeepSpeed-Ulysses sequence-parallel communication regions as autograd functions.
#pragma once

#include <torch/torch.h>

#include <cstdint>

#include "parallel/communicator.h"

namespace vdit::parallel {

// Tokens are split across the sp ranks. Self-attention needs every token, so it is bracketed by
// two all-to-alls that trade "my tokens, all heads" for "all tokens, my heads" and back:
//
//   // (B, L/sp, H, d) -> (B, L, H/sp, d), the same for k and v
//   q = all_to_all_sp(q, sp, /*scatter_dim=*/2, /*gather_dim=*/1);
//   o = attention(q, k, v);  // my H/sp heads, all L tokens
//   // (B, L, H/sp, d) -> (B, L/sp, H, d)
//   o = all_to_all_sp(o, sp, /*scatter_dim=*/1, /*gather_dim=*/2);
//
//   region          forward                          backward
//   all_to_all_sp   all_to_all(x, scatter, gather)   all_to_all(grad, gather, scatter)
//   gather_from_sp  all-gather along dim, rank order keep this rank's slice of dim
//   reduce_from_sp  all-reduce sum over sp           identity
//   all_gather_sp   all-gather along dim 0           reduce-scatter sum of the gradient
//
// Every rank of `sp` must call the same regions in the same order, forward and backward. With
// sp.size() == 1 each is the identity and moves nothing. Dims may be negative (counted from the
// end); a dim outside the tensor, or a scatter_dim that does not divide by sp.size(), throws
// vdit::RuntimeError naming the shape. On a group of n > 1 results have their own storage; with
// sp.size() == 1 every region returns x itself, so modify a result in place only where modifying x
// would be fine.

// The Ulysses exchange: splits x along scatter_dim into sp.size() chunks, sends chunk i to rank i,
// and concatenates what arrives along gather_dim in rank order.
torch::Tensor all_to_all_sp(const torch::Tensor& x, const Communicator& sp, int64_t scatter_dim,
                            int64_t gather_dim);

// Concatenates every rank's x along dim in rank order, e.g. tokens [B, L/sp, D] -> [B, L, D] for
// a computation that needs the whole sequence and then runs replicated on every sp rank.
// Backward keeps this rank's slice of the gradient, not the sum of every rank's: that is the
// whole derivative when each rank's downstream computation and loss are identical replicas of
// one another (they see the same gathered tensor). Parameters before the gather then hold only
// their own tokens' share of the gradient on each rank, so the caller sums parameter gradients
// over sp (the dp x sp reduction does it).
torch::Tensor gather_from_sp(const torch::Tensor& x, const Communicator& sp, int64_t dim);

// Sums x over sp; the gradient passes through unchanged. For per-sample statistics that need
// every token, e.g. a sum over the sequence: reduce_from_sp(x.sum(1), sp) is the sum over all
// L tokens on every rank, and each rank's tokens receive the gradient of that (replicated) sum.
torch::Tensor reduce_from_sp(const torch::Tensor& x, const Communicator& sp);

// Stacks every rank's x along dim 0 in rank order: [n, ...] -> [sp * n, ...], for a tensor each
// rank then uses in its own way (a halo: the tokens just before its slice, see sequence_halo.h).
// Unlike gather_from_sp, whose downstream is a replica on every rank, here every rank's use
// differs, so backward sums every rank's gradient for a slice and hands the sum to its owner.
torch::Tensor all_gather_sp(const torch::Tensor& x, const Communicator& sp);

}  // namespace vdit::parallel
