// The DiT's tensor-parallel plan, derived from its modules: which parameter is split how across tp
// (declared once, by each ParallelLinear), how a whole tensor is cut into a rank's piece and
// gathered back, and where a piece sits in the whole tensor a checkpoint stores.
#pragma once

#include <torch/types.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "parallel/communicator.h"
#include "worker/model/parallel_linear.h"
#include "worker/model/video_dit.h"

namespace vdit::model {

// Each parameter's split, read off the model's ParallelLinear modules (their weight and bias
// rules); every other parameter (norms, embeddings, tables) is replicated.
class TensorParallelPlan {
 public:
  TensorParallelPlan() = default;  // nothing split
  explicit TensorParallelPlan(const torch::nn::Module& model);
  ShardRule rule_of(const std::string& parameter_name) const;
  bool is_split(const std::string& parameter_name) const {
    return rule_of(parameter_name).style != ShardStyle::kReplicated;
  }

 private:
  std::unordered_map<std::string, ShardRule> split_;  // only the split parameters
};

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
