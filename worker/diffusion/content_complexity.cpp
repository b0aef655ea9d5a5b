#include "worker/diffusion/content_complexity.h"

#include "parallel/sequence_halo.h"

namespace vdit::diffusion {
namespace {

// |a - b| summed over every dim but the first two: (N, L, ...) -> (N, L).
torch::Tensor absolute_difference_sum(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().flatten(2).sum(2);
}

// Mean of `sum` over `count` pairs; a clip with no such pair (one pixel wide) contributes 0.
torch::Tensor mean_over(const torch::Tensor& sum, int64_t count) {
  return count > 0 ? sum / static_cast<double>(count) : torch::zeros_like(sum);
}

}  // namespace

torch::Tensor content_complexity(const torch::Tensor& video) {
  const auto dx =
      (video.narrow(4, 1, video.size(4) - 1) - video.narrow(4, 0, video.size(4) - 1)).abs();
  const auto dy =
      (video.narrow(3, 1, video.size(3) - 1) - video.narrow(3, 0, video.size(3) - 1)).abs();
  auto complexity = (dx.mean({1, 2, 3, 4}) + dy.mean({1, 2, 3, 4})) / 2;  // (N,)
  if (video.size(2) > 1) {
    const auto dt =
        (video.narrow(2, 1, video.size(2) - 1) - video.narrow(2, 0, video.size(2) - 1)).abs();
    complexity = complexity + dt.mean({1, 2, 3, 4});
  }
  return complexity.clamp(0, 1);
}

torch::Tensor content_complexity(const torch::Tensor& tokens, const model::SequenceSlice& slice,
                                 PatchSize patch, int64_t channels) {
  torch::NoGradGuard no_grad;
  const PatchGrid& grid = slice.grid;
  const int64_t n = tokens.size(0), local = tokens.size(1);
  const int64_t per_frame = grid.height * grid.width;  // S: the token one frame back is i - S
  const int64_t pt = patch.frames, p = patch.size;
  const torch::Tensor x = tokens.to(torch::kFloat64);
  const torch::Tensor halo = parallel::preceding_tokens(x, slice.sp, per_frame);
  // Exactly S tokens before the slice; zeros where the clip has none (the masks skip them).
  const torch::Tensor padded =
      torch::cat({torch::zeros({n, per_frame - halo.size(1), x.size(2)}, x.options()), halo, x}, 1)
          .view({n, per_frame + local, pt, p, p, channels});  // (N, S + L_local, dt, dy, dx, c)
  const auto tokens_back = [&](int64_t back) {                // token i - back for this rank's i
    return padded.narrow(1, per_frame - back, local);         // (N, L_local, pt, p, p, C)
  };
  const torch::Tensor here = tokens_back(0);
  const auto index =
      torch::arange(slice.token_begin, slice.token_begin + local, x.options().dtype(torch::kInt64));
  const auto column = index.remainder(grid.width);
  const auto row = index.floor_divide(grid.width).remainder(grid.height);
  const auto frame = index.floor_divide(per_frame);
  // Pairs inside a token, plus the pair across the token's first edge with its neighbour (left,
  // above, one frame back) where the clip has that neighbour: (N, L_local) each.
  const auto pairs_along = [&](int64_t dim, int64_t back, const torch::Tensor& has_neighbour) {
    const int64_t size = here.size(dim);
    const torch::Tensor inside =
        absolute_difference_sum(here.narrow(dim, 1, size - 1), here.narrow(dim, 0, size - 1));
    const torch::Tensor edge =
        absolute_difference_sum(here.narrow(dim, 0, 1), tokens_back(back).narrow(dim, size - 1, 1));
    return inside + edge * has_neighbour.to(torch::kFloat64);
  };
  torch::Tensor sums = torch::stack(
      {pairs_along(4, 1, column > 0).sum(1), pairs_along(3, grid.width, row > 0).sum(1),
       pairs_along(2, per_frame, frame > 0).sum(1)},
      1);  // (N, 3): sum |dx|, |dy|, |dt| over this rank's pairs
  if (slice.sp.size() > 1) slice.sp.all_reduce_sum(sums);
  const int64_t frames = grid.frames * pt, height = grid.height * p, width = grid.width * p;
  const auto dx = mean_over(sums.select(1, 0), channels * frames * height * (width - 1));
  const auto dy = mean_over(sums.select(1, 1), channels * frames * (height - 1) * width);
  const auto dt = mean_over(sums.select(1, 2), channels * (frames - 1) * height * width);
  return ((dx + dy) / 2 + dt).clamp(0, 1);  // (N,)
}

}  // namespace vdit::diffusion
