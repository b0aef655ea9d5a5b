// Video <-> patch tokens. A video (N, C, T, H, W) becomes (N, L, pt*p*p*C) tokens, L = T' H' W',
// tokens in (t, h, w) order and values inside a token in (dt, dy, dx, c) order (channels innermost,
// the layout of the HDF5 shards, see docs/shard_format.md).
#pragma once

#include <torch/types.h>

namespace vdit::model {

// The patch grid of one clip: T' = T / pt, H' = H / p, W' = W / p.
struct PatchGrid {
  int64_t frames = 1;
  int64_t height = 1;
  int64_t width = 1;
  int64_t tokens() const { return frames * height * width; }
};

struct PatchSize {
  int64_t frames = 1;  // pt
  int64_t size = 1;    // p
  int64_t token_dim(int64_t channels) const { return frames * size * size * channels; }
};

// (N, C, T, H, W) -> (N, T'H'W', pt*p*p*C); T, H, W must divide by the patch (checked).
torch::Tensor patchify(const torch::Tensor& video, PatchSize patch);

// (N, T'H'W', pt*p*p*C) -> (N, C, T, H, W); the inverse of patchify.
torch::Tensor unpatchify(const torch::Tensor& tokens, PatchGrid grid, PatchSize patch,
                         int64_t channels);

}  // namespace vdit::model
