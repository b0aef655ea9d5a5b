// The DiT's tensor-parallel plan as data: which parameter is split how across tp. One function
// applies it (shard_from_full), one undoes it (gather_full); nothing else in the model knows.
#pragma once

#include <torch/types.h>

#include <string>
#include <vector>

#include "parallel/communicator.h"
#include "worker/model/video_dit.h"

namespace vdit::model {

enum class ShardStyle {
  kReplicated,  // every tp rank holds the whole tensor
  kColumn,      // output features (dim 0) split: this rank's rows of W and entries of b
  kRow,         // input features (dim 1 of W) split: this rank's columns
};

struct ShardRule {
  const char* suffix = "";  // parameter name suffix inside a DiT block ("attn.qkv.weight")
  ShardStyle style = ShardStyle::kReplicated;
  // kColumn over a fused projection: the dim-0 axis is `blocks` stacked matrices ([q | k | v] = 3)
  // and each is split separately, so a rank keeps its heads of q, k and v.
  int64_t blocks = 1;
};

// The plan for "blocks.<i>.<suffix>"; every other parameter is replicated.
const std::vector<ShardRule>& dit_tensor_parallel_plan();

// The rule for a parameter name (kReplicated when none matches).
ShardRule shard_rule_of(const std::string& parameter_name);

// This rank's piece of a full tensor, and the full tensor from every rank's pieces (all-gather).
torch::Tensor shard_tensor(const torch::Tensor& full, const ShardRule& rule, int64_t rank,
                           int64_t size);
torch::Tensor gather_full_tensor(const torch::Tensor& local, const ShardRule& rule,
                                 const parallel::Communicator& tp);

// Where one rank's piece of a parameter sits in the whole tensor, as a checkpoint stores it: cut
// along `split_dim` (-1: the whole tensor), `split_blocks` stacked blocks each cut separately,
// the piece starting at `offset` rows into each block.
struct PiecePlace {
  std::vector<int64_t> global_shape;
  int64_t split_dim = -1;
  int64_t split_blocks = 1;
  int64_t offset = 0;
};
PiecePlace piece_place(const ShardRule& rule, const std::vector<int64_t>& local_shape, int64_t rank,
                       int64_t size);

// Copies this rank's pieces of `full` (a one-rank model of the same options) into `sharded`, so a
// tensor-parallel model starts from exactly the weights a single-rank run would have.
void load_shards_from_full(VideoDiT& sharded, const VideoDiT& full, int64_t tp_rank,
                           int64_t tp_size);

}  // namespace vdit::model
