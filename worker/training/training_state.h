// The trainer's state as checkpoint records (host float buffers) and back: model weights, EMA
// weights and AdamW moments, named "model/<param>", "ema/<param>", "optim/exp_avg/<param>", ...
#pragma once

#include <vector>

#include "checkpoints/loaded_checkpoint.h"
#include "checkpoints/tensor_record.h"
#include "worker/training/trainer.h"

namespace vdit::training {

// Copies everything to host memory (the snapshot an async save writes while training goes on).
// Tensor-parallel pieces are gathered into whole tensors, so the records are mesh-independent:
// a collective over tp (every tp rank calls it, each gets the same records).
std::vector<checkpoints::TensorRecord> snapshot_training_state(Trainer& trainer);

// Loads model, EMA and optimizer state, cutting this rank's tensor-parallel pieces from the whole
// stored tensors, so a run resumes on any mesh. Throws InputError naming the checkpoint and the
// tensor if a tensor is missing or its global shape differs from this model's.
void restore_training_state(Trainer& trainer, const checkpoints::LoadedCheckpoint& checkpoint);

// Loads only weights into `model`: the EMA weights when `use_ema` and present, else the raw ones.
void load_model_weights(model::VideoDiT& model, const checkpoints::LoadedCheckpoint& checkpoint,
                        bool use_ema);

}  // namespace vdit::training
