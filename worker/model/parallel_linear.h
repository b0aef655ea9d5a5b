// A Linear that declares how it is split across tensor-parallel ranks: Megatron's column- and
// row-parallel layers, or replicated. Every Linear of the DiT is one of these, and the plan that
// initialization, checkpoints and gradient clipping read is derived from them
// (tensor_parallel_plan.h), so the layout is written once, here, where the layer is built.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <cstdint>

#include "parallel/communicator.h"
#include "parallel/solo_communicator.h"

namespace vdit::model {

enum class ShardStyle {
  kReplicated,  // every tp rank holds the whole tensor
  kColumn,      // output features (dim 0) split: this rank's rows of W and entries of b
  kRow,         // input features (dim 1 of W) split: this rank's columns
};

// How one tensor is split. kColumn over a fused projection: dim 0 is `blocks` stacked matrices
// ([q | k | v] = 3) and each is split separately, so a rank keeps its heads of q, k and v.
struct ShardRule {
  ShardStyle style = ShardStyle::kReplicated;
  int64_t blocks = 1;
};

inline ShardRule column_split(int64_t blocks = 1) { return {ShardStyle::kColumn, blocks}; }
inline ShardRule row_split() { return {ShardStyle::kRow, 1}; }

// y = x W^T + b, W and b whole or this rank's piece (in, out: the whole layer's sizes):
//   replicated  W (out, in)                   y = x W^T + b
//   column      W (out/tp, in), b (out/tp)    y = copy_to_tp(x) W^T + b      this rank's outputs
//   row         W (out, in/tp), b (out)       y = reduce_from_tp(x W^T) + b  x: this rank's inputs
// A row-parallel bias is replicated and added once, after the sum (on a one-rank group it goes
// into the matmul, as every other bias does). Parameters "weight" and "bias"
// are registered in that order and initialized as torch::nn::Linear does (Kaiming-uniform with
// a = sqrt(5), bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)) over the local shape), drawing the same
// random numbers, so swapping one for the other changes no value.
class ParallelLinearImpl : public torch::nn::Module {
 public:
  ParallelLinearImpl(int64_t in, int64_t out, ShardRule declared = {},
                     parallel::Communicator tp = parallel::make_solo_communicator());
  torch::Tensor forward(const torch::Tensor& x);  // (..., in or in/tp) -> (..., out or out/tp)

  // How this module's tensors are split over its tp group: the declared rule, or replicated when
  // the group has one rank (the module then holds whole tensors, whatever it declared).
  ShardRule weight_rule() const;
  ShardRule bias_rule() const;  // the weight's for column, replicated otherwise

  torch::Tensor weight;  // (out/tp, in) column, (out, in/tp) row, (out, in) replicated
  torch::Tensor bias;    // (out/tp) column, (out) otherwise

 private:
  ShardRule declared_;
  parallel::Communicator tp_;
};
TORCH_MODULE(ParallelLinear);

}  // namespace vdit::model
