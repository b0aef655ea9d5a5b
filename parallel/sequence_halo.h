// The tokens just before a sequence-parallel rank's slice (its halo), for terms that pair a token
// with an earlier one: frame differences, spatial neighbours.
#pragma once

#include <torch/types.h>

#include "parallel/communicator.h"

namespace vdit::parallel {

// x (N, L/sp, ...) is this rank's slice of a sequence split evenly over sp in rank order, tokens
// [rank * L/sp, (rank + 1) * L/sp). Returns the `count` tokens before the slice,
// (N, min(count, rank * L/sp), ...): fewer on the first ranks, none on rank 0 or with sp = 1. The
// halo may span several lower ranks when a slice is shorter than `count`.
//
// Differentiable: a rank's tokens that serve as another rank's halo receive that rank's gradient
// (all_gather_sp). A collective, forward and backward: every rank of sp calls it with the same
// shapes and count, and every rank's loss must depend on the result (use it, even when empty), so
// that every rank runs its backward.
torch::Tensor preceding_tokens(const torch::Tensor& x, const Communicator& sp, int64_t count);

}  // namespace vdit::parallel
