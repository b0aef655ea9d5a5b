// Fixed sinusoidal embeddings: 3-D (t, h, w) positions of patch tokens and diffusion timesteps.
#pragma once

#include <torch/types.h>

#include "worker/model/patchify.h"

namespace vdit::model {

// (count, D) sin-cos embedding of tokens [begin, begin + count) of `grid` (tokens in (t, h, w)
// order). D is split into three even parts: h and w get 2*floor(D/6) each, t the rest, so any even
// D works and any (T', H', W') grid trains and samples. `begin`/`count` let a sequence-parallel
// rank embed only its own tokens.
torch::Tensor sincos_3d(PatchGrid grid, int64_t dim, int64_t begin, int64_t count);

// (N, dim) embedding of timesteps (N,) as in the reference DiT: [cos(t f), sin(t f)],
// f = exp(-ln(10000) * i / (dim/2)).
torch::Tensor timestep_sinusoid(const torch::Tensor& timesteps, int64_t dim);

}  // namespace vdit::model
