#include "worker/model/tensor_parallel_plan.h"

namespace vdit::model {

TensorParallelPlan::TensorParallelPlan(const torch::nn::Module& model) {
  for (const auto& item : model.named_modules()) {
    const auto* linear = item.value()->as<ParallelLinearImpl>();
    if (linear == nullptr) continue;
    const std::string prefix = item.key().empty() ? "" : item.key() + ".";
    if (linear->weight_rule().style != ShardStyle::kReplicated)
      split_[prefix + "weight"] = linear->weight_rule();
    if (linear->bias_rule().style != ShardStyle::kReplicated)
      split_[prefix + "bias"] = linear->bias_rule();
  }
}

ShardRule TensorParallelPlan::rule_of(const std::string& parameter_name) const {
  const auto found = split_.find(parameter_name);
  return found == split_.end() ? ShardRule{} : found->second;
}

torch::Tensor shard_tensor(const torch::Tensor& full, const ShardRule& rule, int64_t rank,
                           int64_t size) {
  switch (rule.style) {
    case ShardStyle::kReplicated:
      return full.clone();
    case ShardStyle::kRow:
      return full.chunk(size, 1)[rank].clone();  // (out, in/tp)
    case ShardStyle::kColumn: {
      // (blocks * out, ...) -> (blocks, out, ...) -> this rank's out/tp of each block
      std::vector<int64_t> shape = full.sizes().vec();
      shape[0] /= rule.blocks;
      shape.insert(shape.begin(), rule.blocks);
      auto local = full.reshape(shape).chunk(size, 1)[rank];
      shape.erase(shape.begin());
      shape[0] = rule.blocks * local.size(1);
      return local.reshape(shape).clone();
    }
  }
  return full;
}

torch::Tensor gather_full_tensor(const torch::Tensor& local, const ShardRule& rule,
                                 const parallel::Communicator& tp) {
  if (rule.style == ShardStyle::kReplicated || tp.size() == 1) return local.detach().clone();
  if (rule.style == ShardStyle::kRow) {
    return tp.all_gather(local.detach().transpose(0, 1).contiguous()).transpose(0, 1).contiguous();
  }
  // kColumn: gather (tp, blocks * out/tp, ...) then interleave back to (blocks, out, ...).
  std::vector<int64_t> shape = local.sizes().vec();
  const auto gathered = tp.all_gather(local.detach().contiguous());  // (tp * blocks * out/tp, ...)
  std::vector<int64_t> split = {tp.size(), rule.blocks, shape[0] / rule.blocks};
  split.insert(split.end(), shape.begin() + 1, shape.end());
  shape[0] *= tp.size();
  return gathered.reshape(split).transpose(0, 1).reshape(shape).contiguous();
}

PiecePlace piece_place(const ShardRule& rule, const std::vector<int64_t>& local_shape, int64_t rank,
                       int64_t size) {
  PiecePlace place{local_shape};
  if (rule.style == ShardStyle::kReplicated || size == 1) return place;
  place.split_dim = rule.style == ShardStyle::kRow ? 1 : 0;
  place.split_blocks = rule.style == ShardStyle::kColumn ? rule.blocks : 1;
  const size_t dim = static_cast<size_t>(place.split_dim);
  place.global_shape[dim] = local_shape[dim] * size;
  place.offset = rank * (local_shape[dim] / place.split_blocks);
  return place;
}

void load_shards_from_full(VideoDiT& sharded, const VideoDiT& full, int64_t tp_rank,
                           int64_t tp_size) {
  torch::NoGradGuard no_grad;
  const TensorParallelPlan plan(*sharded);
  const auto full_parameters = full->named_parameters();
  for (auto& item : sharded->named_parameters()) {
    item.value().copy_(
        shard_tensor(full_parameters[item.key()], plan.rule_of(item.key()), tp_rank, tp_size));
  }
}

}  // namespace vdit::model
