#include "worker/training/stage_losses.h"

#include <algorithm>

#include "parallel/sequence_halo.h"

namespace vdit::training {
namespace {

// This rank's share of the mean squared `order`-th time difference of x:
//   order 1: x_i - x_{i-S}              for every token i >= S
//   order 2: x_i - 2 x_{i-S} + x_{i-2S} for every token i >= 2S
// where S = H'W' tokens per patch-frame, so i - S is the same patch one frame earlier.
// `extended` (N, halo + L_local, C) is the halo (at least order * S tokens where the clip has
// them) followed by this rank's tokens, which start at slice.token_begin.
torch::Tensor time_difference_share(const torch::Tensor& extended, int64_t local,
                                    const model::SequenceSlice& slice, int64_t order) {
  const int64_t per_frame = slice.grid.height * slice.grid.width;
  const int64_t channels = extended.size(2);
  // Every return keeps `extended` in the graph, so the halo's backward runs on every rank.
  if (slice.grid.frames <= order) return extended.sum({1, 2}) * 0.0;
  const int64_t extended_begin = slice.token_begin - (extended.size(1) - local);
  const int64_t first = std::max(slice.token_begin, order * per_frame);  // first i with a term
  const int64_t end = slice.token_begin + local;
  if (first >= end) return extended.sum({1, 2}) * 0.0;
  const double scale = static_cast<double>(slice.sp.size()) /
                       static_cast<double>((slice.grid.tokens() - order * per_frame) * channels);
  // Tokens i - frames_back * S for i in [first, end): (N, end - first, C).
  const auto frames_back = [&](int64_t back) {
    return extended.narrow(1, first - back * per_frame - extended_begin, end - first);
  };
  const torch::Tensor difference =
      order == 1 ? frames_back(0) - frames_back(1)
                 : frames_back(0) - 2 * frames_back(1) + frames_back(2);
  return difference.pow(2).sum({1, 2}) * scale;  // (N,)
}

}  // namespace

StageLossShares stage_losses(const torch::Tensor& predicted_x0, const torch::Tensor& true_x0,
                             const model::SequenceSlice& slice) {
  const int64_t channels = predicted_x0.size(2), local = predicted_x0.size(1);
  const int64_t per_frame = slice.grid.height * slice.grid.width;
  // The difference of the frame differences is the frame difference of the error, so the
  // temporal term needs the error and the motion term the prediction: one halo carries both.
  const torch::Tensor both = torch::cat({predicted_x0 - true_x0, predicted_x0}, 2);  // (N, L, 2C)
  const torch::Tensor halo = parallel::preceding_tokens(both, slice.sp, 2 * per_frame);
  const torch::Tensor extended = torch::cat({halo, both}, 1);  // (N, halo + L_local, 2C)
  return {time_difference_share(extended.narrow(2, 0, channels), local, slice, 1),
          time_difference_share(extended.narrow(2, channels, channels), local, slice, 2)};
}

}  // namespace vdit::training
