// The seed's curriculum losses on the predicted clean video, computed on the patch-token grid:
// temporal consistency (stage 2+) and motion smoothness (stage 3+). Frames are compared along the
// T' axis of the grid; with pt = 1 that is frame by frame.
#pragma once

#include <torch/types.h>

namespace vdit::training {

// Both return one value per sample, (N,), so the trainer can weight them by alpha_bar: x0 predicted
// at high noise is (x_t - sqrt(1 - ab) eps) / sqrt(ab), whose error grows as 1 / ab; weighting by
// ab measures the error at the scale of the signal in x_t and keeps the terms bounded.
//
// x0 (N, L, token_dim) viewed as (N, T'', S, token_dim) where S = H'W' tokens per patch-frame and
// T'' = L / S patch-frames. Temporal consistency: mean squared error between predicted and true
// frame-to-frame differences, so the model moves what really moves. 0 when T'' < 2.
torch::Tensor temporal_consistency_loss(const torch::Tensor& predicted_x0,
                                        const torch::Tensor& true_x0, int64_t tokens_per_frame);

// Motion smoothness: mean squared second difference of the predicted frames (penalises jitter;
// constant-velocity motion costs nothing). 0 when T'' < 3.
torch::Tensor motion_smoothness_loss(const torch::Tensor& predicted_x0, int64_t tokens_per_frame);

}  // namespace vdit::training
