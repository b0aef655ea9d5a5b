#include "worker/training/training_state.h"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <cstring>

#include "checkpoints/tensor_assembly.h"
#include "core/error.h"
#include "worker/model/tensor_parallel_plan.h"

namespace vdit::training {
namespace {

// Reads only this rank's piece of tensor `name` (per `rule`; HDF5 hyperslabs of the files that
// hold it) into `target`. A stored global shape other than the model's is an InputError naming
// both (read_tensor_piece).
void copy_into(torch::Tensor& target, const checkpoints::LoadedCheckpoint& checkpoint,
               const std::string& name, const model::ShardRule& rule = {}, int64_t tp_rank = 0,
               int64_t tp_size = 1) {
  const std::vector<int64_t> local_shape = target.sizes().vec();
  const model::PiecePlace place = model::piece_place(rule, local_shape, tp_rank, tp_size);
  checkpoints::PiecePlacement want;
  want.global_shape = place.global_shape;
  want.split_dim = place.split_dim;
  want.offset = place.offset;
  want.shape = local_shape;
  want.split_blocks = place.split_blocks;
  std::vector<float> values = checkpoints::read_tensor_piece(checkpoint, name, want);
  const auto piece = torch::from_blob(values.data(), local_shape, torch::kFloat32);
  torch::NoGradGuard no_grad;
  target.copy_(piece.to(target.device(), target.dtype()));
}

// LibTorch keys optimizer state by the parameter's TensorImpl address, printed as a string.
std::string optimizer_state_key(const torch::Tensor& parameter) {
  return c10::guts::to_string(parameter.unsafeGetTensorImpl());
}

bool has_tensor(const checkpoints::LoadedCheckpoint& checkpoint, const std::string& name) {
  return checkpoint.tensors.count(name) != 0;
}

}  // namespace

void append_piece_record(std::vector<checkpoints::TensorRecord>& records, const std::string& name,
                         const torch::Tensor& local, const model::ShardRule& rule, int64_t tp_rank,
                         int64_t tp_size, checkpoints::TensorRecord* staging) {
  const model::PiecePlace place = model::piece_place(rule, local.sizes().vec(), tp_rank, tp_size);
  if (place.split_dim == -1 && tp_rank != 0) return;  // tp rank 0 stores the replicated ones
  const auto host = local.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  checkpoints::TensorRecord record;
  if (staging != nullptr && staging->name == name &&
      staging->values.size() == static_cast<size_t>(host.numel())) {
    record.values = std::move(staging->values);  // already faulted in: a plain memcpy
    std::memcpy(record.values.data(), host.data_ptr<float>(), sizeof(float) * record.values.size());
  } else {
    record.values.assign(host.data_ptr<float>(), host.data_ptr<float>() + host.numel());
  }
  record.name = name;
  record.global_shape = place.global_shape;
  record.split_dim = place.split_dim;
  record.split_blocks = place.split_blocks;
  record.offset = place.offset;
  record.shape = host.sizes().vec();
  records.push_back(std::move(record));
}

std::vector<checkpoints::TensorRecord> snapshot_training_state(
    Trainer& trainer, bool with_weights, std::vector<checkpoints::TensorRecord> staging) {
  std::vector<checkpoints::TensorRecord> records;
  records.reserve(staging.size());
  auto& optimizer = trainer.optimizer();
  const int64_t tp_rank = trainer.parallel().model.tp.rank(),
                tp_size = trainer.parallel().model.tp_size();
  for (const auto& item : trainer.model()->named_parameters()) {
    const model::ShardRule rule = trainer.tensor_parallel_plan().rule_of(item.key());
    auto append = [&](const std::string& name, const torch::Tensor& local,
                      const model::ShardRule& piece_rule) {
      const size_t next = records.size();
      append_piece_record(records, name, local, piece_rule, tp_rank, tp_size,
                          next < staging.size() ? &staging[next] : nullptr);
    };
    if (with_weights) {
      append("model/" + item.key(), item.value(), rule);
      if (trainer.ema() != nullptr)
        append("ema/" + item.key(), trainer.ema()->shadow()[item.key()], rule);
    }
    const auto found = optimizer.state().find(optimizer_state_key(item.value()));
    if (found == optimizer.state().end()) continue;  // no step taken yet
    const auto& state = static_cast<const torch::optim::AdamWParamState&>(*found->second);
    append("optim/exp_avg/" + item.key(), state.exp_avg(), rule);
    append("optim/exp_avg_sq/" + item.key(), state.exp_avg_sq(), rule);
    append("optim/step/" + item.key(), torch::tensor({static_cast<float>(state.step())}), {});
  }
  return records;
}

void restore_training_state(Trainer& trainer, const checkpoints::LoadedCheckpoint& checkpoint) {
  auto& optimizer = trainer.optimizer();
  const int64_t tp_rank = trainer.parallel().model.tp.rank(),
                tp_size = trainer.parallel().model.tp_size();
  size_t index = 0;
  for (auto& item : trainer.model()->named_parameters()) {
    const model::ShardRule rule = trainer.tensor_parallel_plan().rule_of(item.key());
    copy_into(item.value(), checkpoint, "model/" + item.key(), rule, tp_rank, tp_size);
    if (trainer.ema() != nullptr) {
      copy_into(trainer.ema()->shadow()[item.key()], checkpoint, "ema/" + item.key(), rule, tp_rank,
                tp_size);
    }
    if (!trainer.owns_optimizer_state(index++)) continue;  // another ZeRO-1 rank's share
    if (!has_tensor(checkpoint, "optim/step/" + item.key())) continue;
    auto state = std::make_unique<torch::optim::AdamWParamState>();
    state->exp_avg(torch::zeros_like(item.value()));
    state->exp_avg_sq(torch::zeros_like(item.value()));
    copy_into(state->exp_avg(), checkpoint, "optim/exp_avg/" + item.key(), rule, tp_rank, tp_size);
    copy_into(state->exp_avg_sq(), checkpoint, "optim/exp_avg_sq/" + item.key(), rule, tp_rank,
              tp_size);
    std::vector<int64_t> shape;
    state->step(static_cast<int64_t>(
        checkpoints::read_full_tensor(checkpoint, "optim/step/" + item.key(), &shape)[0]));
    optimizer.state()[optimizer_state_key(item.value())] = std::move(state);
  }
}

void load_model_weights(model::VideoDiT& model, const checkpoints::LoadedCheckpoint& checkpoint,
                        bool use_ema) {
  const std::string prefix =
      use_ema && has_tensor(checkpoint, "ema/" + model->named_parameters().begin()->key())
          ? "ema/"
          : "model/";
  for (auto& item : model->named_parameters())
    copy_into(item.value(), checkpoint, prefix + item.key());
}

}  // namespace vdit::training
