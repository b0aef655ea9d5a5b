// Megatron's tensor-parallel communication regions as autograd functions, named by their math.
#pragma once

#include <torch/torch.h>

#include <cstdint>

#include "parallel/communicator.h"

namespace vdit::parallel {

// Where a tensor crosses between "replicated on every tp rank" and "split across tp ranks". A
// column-parallel Linear (weight rows split) followed by a row-parallel Linear (weight columns
// split) needs one region on each side:
//
//   y = reduce_from_tp(row(gelu(col(copy_to_tp(x, tp)))), tp)
//
// that is Y = gelu(X A) B with A split by columns and B by rows: one all-reduce forward (of the
// partial products) and one backward (of the input gradient).
//
// Each forward is the mirror of its backward (the adjoint of the linear map it applies):
//
//   region          forward                              backward
//   copy_to_tp      identity                             all-reduce sum over tp
//   reduce_from_tp  all-reduce sum over tp               identity
//   gather_from_tp  all-gather along dim, in rank order  keep this rank's slice of dim
//   scatter_to_tp   keep this rank's slice of dim        all-gather along dim, in rank order
//
// Every rank of `tp` must call the same regions in the same order (they are collectives, forward
// and backward). With tp.size() == 1 each is the identity and moves nothing, so the same model code
// runs unsplit. `dim` may be negative (counted from the end); a dim outside the tensor, or a
// scatter whose dim does not divide by tp.size(), throws vdit::RuntimeError naming the shape.
// On a group of n > 1, reduce_from_tp, gather_from_tp and scatter_to_tp return tensors with their
// own storage. copy_to_tp returns x itself (as a view, under autograd), and with tp.size() == 1
// every region does, so modify a result in place only where modifying x would be fine.

// Identity forward; sums the gradient over tp in backward. Put before a column-parallel layer:
// its input is replicated, and each rank's share of the output gives only part of its gradient.
torch::Tensor copy_to_tp(const torch::Tensor& x, const Communicator& tp);

// Sums the partial results of a row-parallel layer over tp; the gradient passes through unchanged.
torch::Tensor reduce_from_tp(const torch::Tensor& x, const Communicator& tp);

// Concatenates every rank's x along dim in rank order: size(dim) n -> n * tp.size(). Backward
// keeps this rank's slice of the gradient, rows tp.rank() * n .. tp.rank() * n + n - 1 of dim.
torch::Tensor gather_from_tp(const torch::Tensor& x, const Communicator& tp, int64_t dim);

// Keeps this rank's slice of dim: size(dim) n * tp.size() -> n, slice tp.rank(). Backward
// all-gathers the gradient slices along dim.
torch::Tensor scatter_to_tp(const torch::Tensor& x, const Communicator& tp, int64_t dim);

}  // namespace vdit::parallel
