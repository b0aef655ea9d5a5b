// Activation checkpointing: run a block without keeping its activations, recompute it in backward.
// Trades one extra block forward per backward for not storing the block's intermediate tensors.
#pragma once

#include <torch/types.h>

#include <functional>
#include <vector>

namespace vdit::model {

using CheckpointedFn = std::function<torch::Tensor(const std::vector<torch::Tensor>& inputs)>;

// Returns fn(inputs). Under grad mode only `inputs` are saved; backward re-runs fn with grad
// enabled and backpropagates through it, accumulating parameter gradients into .grad as usual and
// returning the gradients of `inputs`. fn must be deterministic (the DiT block is: no dropout).
torch::Tensor checkpoint(CheckpointedFn fn, const std::vector<torch::Tensor>& inputs);

}  // namespace vdit::model
