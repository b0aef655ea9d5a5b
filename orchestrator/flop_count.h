// Model FLOPs of the video DiT, counted layer by layer (a multiply-add = 2 FLOPs), for MFU.
#pragma once

#include <cstdint>

#include "worker/model/video_dit.h"

namespace vdit::orchestrator {

// Forward FLOPs for one sample of `tokens` tokens: patch embedding, every block (self-attention
// projections and the two L x L matmuls, cross-attention to Lc caption tokens, MLP, adaLN), the
// text encoder and the final layer. Elementwise ops, norms and softmax are not counted
// (convention).
double forward_flops_per_sample(const model::VideoDiTOptions& options, int64_t tokens);

// Training = forward + backward (2x forward) = 3x; activation checkpointing recomputes forward
// but MFU counts model FLOPs only, so it stays 3x.
inline double training_flops_per_sample(const model::VideoDiTOptions& options, int64_t tokens) {
  return 3.0 * forward_flops_per_sample(options, tokens);
}

}  // namespace vdit::orchestrator
