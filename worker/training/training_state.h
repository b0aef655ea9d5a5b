// The trainer's state as checkpoint records (host float buffers) and back: model weights, EMA
// weights and AdamW moments, named "model/<param>", "ema/<param>", "optim/exp_avg/<param>", ...
#pragma once

#include <vector>

#include "checkpoints/loaded_checkpoint.h"
#include "checkpoints/tensor_record.h"
#include "worker/model/tensor_parallel_plan.h"
#include "worker/training/trainer.h"

namespace vdit::training {

// Copies this rank's share of the state to host memory (the snapshot a background save writes
// while training goes on). No communication: a tensor-parallel rank stores its own piece of
// each split parameter (with its global shape, split dim, blocks and offset) and tp rank 0 also
// stores the replicated ones, so the tp ranks' files together hold every tensor exactly once.
// `staging`: an earlier snapshot whose buffers are reused when it holds the same tensors (a
// steady-state save then copies into memory that is already mapped: no allocation, no page
// faults, which otherwise cost as much as the copy).
// `with_weights` false: only the optimizer state (a ZeRO-1 rank other than dp 0 / sp 0, whose
// weights are copies of dp 0's). Under ZeRO-1 the optimizer state is this rank's share.
std::vector<checkpoints::TensorRecord> snapshot_training_state(
    Trainer& trainer, bool with_weights = true,
    std::vector<checkpoints::TensorRecord> staging = {});

// The records of one state tensor `local` held by tp rank `tp_rank` of `tp_size` under `rule`:
// one piece, or none when the tensor is replicated and another rank stores it.
// `staging` (may be null): a record of the same tensor whose values buffer is taken over.
void append_piece_record(std::vector<checkpoints::TensorRecord>& records, const std::string& name,
                         const torch::Tensor& local, const model::ShardRule& rule, int64_t tp_rank,
                         int64_t tp_size, checkpoints::TensorRecord* staging = nullptr);

// Loads model, EMA and optimizer state (under ZeRO-1 only this rank's share), cutting this rank's
// tensor-parallel pieces from the whole stored tensors, so a run resumes on any mesh. Throws
// InputError naming the checkpoint and the tensor if a tensor is missing or its global shape
// differs from this model's.
void restore_training_state(Trainer& trainer, const checkpoints::LoadedCheckpoint& checkpoint);

// Loads only weights into `model`: the EMA weights when `use_ema` and present, else the raw ones.
void load_model_weights(model::VideoDiT& model, const checkpoints::LoadedCheckpoint& checkpoint,
                        bool use_ema);

}  // namespace vdit::training
