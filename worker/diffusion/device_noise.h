// Counter-based Gaussian noise computed where the model runs: every element is a pure function of
// (seed, step, global sample index, element index), evaluated with integer tensor ops and
// correctly rounded float64 arithmetic only, so the CPU, a GPU and the host reference agree bit
// for bit, and any mesh layout sees the same noise with no generator state.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace vdit::diffusion {

// The host reference for one element: element `element` of sample `sample_index` at `step`, a
// standard normal float. The hash is counter_hash(seed, step, sample_index, element)
// (counter_noise.h); Box-Muller turns it into a normal:
//   radius = sqrt(-2 ln u),  u = (top 53 bits of the hash + 1) / 2^53 in (0, 1]
//   z = radius * (+-cos(phi)), phi in [0, pi/2) and the sign from splitmix64(hash)
// which has the distribution of radius * cos(2 pi u') (cos over a whole turn is four mirrored
// copies of its first quarter). ln and cos are fixed polynomials evaluated in a fixed order with
// +, *, / and sqrt, which IEEE 754 rounds identically on every device (the libm and CUDA ln/cos
// differ in the last bits).
float counter_normal(uint64_t seed, int64_t step, int64_t sample_index, int64_t element);

// Noise for tokens [token_begin, token_begin + count) of each sample in `sample_indices` (global
// sample indices), shape (n, count, token_dim), float32, computed on `device`. Element (i, t, j)
// equals counter_normal(seed, step, sample_indices[i], (token_begin + t) * token_dim + j), so a
// sequence-parallel rank's slice equals the same rows of the whole sample's noise.
torch::Tensor counter_token_noise(uint64_t seed, int64_t step,
                                  const std::vector<int64_t>& sample_indices, int64_t token_begin,
                                  int64_t count, int64_t token_dim, torch::Device device);

}  // namespace vdit::diffusion
