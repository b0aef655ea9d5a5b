// patchify/unpatchify are pure reshapes + one permute each.
#include "worker/model/patchify.h"

#include <fmt/core.h>

#include "core/error.h"

namespace vdit::model {

torch::Tensor patchify(const torch::Tensor& video, PatchSize patch) {
  const int64_t n = video.size(0), c = video.size(1), t = video.size(2), h = video.size(3),
                w = video.size(4);
  if (t % patch.frames != 0 || h % patch.size != 0 || w % patch.size != 0) {
    throw InputError(
        fmt::format("video of {}x{}x{} frames x pixels does not divide into {}x{}x{} patches", t, h,
                    w, patch.frames, patch.size, patch.size));
  }
  const int64_t gt = t / patch.frames, gh = h / patch.size, gw = w / patch.size;
  // (N, C, T', pt, H', p, W', p) -> (N, T', H', W', pt, p, p, C)
  return video.reshape({n, c, gt, patch.frames, gh, patch.size, gw, patch.size})
      .permute({0, 2, 4, 6, 3, 5, 7, 1})
      .reshape({n, gt * gh * gw, patch.token_dim(c)});
}

torch::Tensor unpatchify(const torch::Tensor& tokens, PatchGrid grid, PatchSize patch,
                         int64_t channels) {
  const int64_t n = tokens.size(0);
  // (N, T', H', W', pt, p, p, C) -> (N, C, T', pt, H', p, W', p)
  return tokens
      .reshape(
          {n, grid.frames, grid.height, grid.width, patch.frames, patch.size, patch.size, channels})
      .permute({0, 7, 1, 4, 2, 5, 3, 6})
      .reshape({n, channels, grid.frames * patch.frames, grid.height * patch.size,
                grid.width * patch.size});
}

}  // namespace vdit::model
