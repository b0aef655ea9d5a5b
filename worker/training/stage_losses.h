// The seed's curriculum losses on the predicted clean video, computed on the patch-token grid:
// temporal consistency (stage 2+) and motion smoothness (stage 3+). Frames are compared along the
// T' axis of the grid; with pt = 1 that is frame by frame.
#pragma once

#include <torch/types.h>

#include "worker/model/sequence_slice.h"

namespace vdit::training {

// This rank's share of each loss per sample, (N,), so the trainer can weight them by alpha_bar:
// x0 predicted at high noise is (x_t - sqrt(1 - ab) eps) / sqrt(ab), whose error grows as 1 / ab;
// weighting by ab measures the error at the scale of the signal in x_t.
//
// - temporal: mean squared error between predicted and true frame-to-frame differences, so the
//   model moves what really moves. 0 when T' < 2.
// - motion: mean squared second difference of the predicted frames (penalises jitter;
//   constant-velocity motion costs nothing). 0 when T' < 3.
//
// The share: each rank sums the terms whose later frame it holds (the earlier frames across its
// slice edge come from the lower sp ranks, see sequence_halo.h) and scales by sp / (terms in the
// clip). The mean of the shares over sp is the loss of the whole clip, and that mean is what the
// dp x sp gradient average takes, as for the diffusion loss's per-slice means. With sp = 1 the
// share is the loss.
struct StageLossShares {
  torch::Tensor temporal;  // (N,)
  torch::Tensor motion;    // (N,)
};

// predicted_x0 and true_x0: this rank's tokens (N, L_local, token_dim) of clips split over sp as
// `slice` says. With sp > 1 this is one collective over slice.sp, forward and backward (a single
// halo exchange for both terms, so every rank's backward meets the others' in the same order).
StageLossShares stage_losses(const torch::Tensor& predicted_x0, const torch::Tensor& true_x0,
                             const model::SequenceSlice& slice);

}  // namespace vdit::training
