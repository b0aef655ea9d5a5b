// The seed's content complexity c of a clip, which makes the noise level content-adaptive
// (alpha_bar^(1 + 0.5 c), see noise_schedule.h): busier clips are noised harder at the same t.
#pragma once

#include <torch/types.h>

#include "worker/model/patchify.h"
#include "worker/model/sequence_slice.h"

namespace vdit::diffusion {

// c in [0, 1] per sample from a video (N, C, T, H, W) in [-1, 1]: the mean absolute spatial
// gradient (|dx| + |dy|) / 2 plus the mean absolute frame difference |dt| (0 for images), clamped.
// The definition; training computes it from tokens with the function below.
torch::Tensor content_complexity(const torch::Tensor& video);

// The same c from this rank's patch tokens (N, L_local, pt*p*p*C) of clips split over sp as
// `slice` says, for any split, even one that cuts a frame: every pair of neighbouring pixels
// (left, above, previous frame) is counted by the rank holding the later pixel, with the halo
// (sequence_halo.h) for pairs across a slice edge, and the sums are added over sp. Every sp rank
// gets the whole clip's c, equal to content_complexity() of the unpatchified clip up to float
// rounding. (N,) float64, no gradient. A collective over slice.sp when sp > 1.
torch::Tensor content_complexity(const torch::Tensor& tokens, const model::SequenceSlice& slice,
                                 PatchSize patch, int64_t channels);

}  // namespace vdit::diffusion
