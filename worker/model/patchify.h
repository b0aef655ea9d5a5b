// Video <-> patch tokens. A video (N, C, T, H, W) becomes (N, L, pt*p*p*C) tokens, L = T' H' W',
// tokens in (t, h, w) order and values inside a token in (dt, dy, dx, c) order (channels innermost,
// the layout of the HDF5 shards, see docs/shard_format.md).
#pragma once

#include <torch/types.h>

#include "core/patch_geometry.h"

namespace vdit::model {

// (N, C, T, H, W) -> (N, T'H'W', pt*p*p*C); T, H, W must divide by the patch (checked).
torch::Tensor patchify(const torch::Tensor& video, PatchSize patch);

// (N, T'H'W', pt*p*p*C) -> (N, C, T, H, W); the inverse of patchify.
torch::Tensor unpatchify(const torch::Tensor& tokens, PatchGrid grid, PatchSize patch,
                         int64_t channels);

}  // namespace vdit::model
