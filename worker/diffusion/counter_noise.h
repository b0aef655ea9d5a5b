// Counter-based randomness: every random number of a training step is a pure function of
// (seed, step, global sample index), so any mesh layout sees the same numbers and checkpoints carry
// no RNG state.
#pragma once

#include <torch/types.h>

#include <cstdint>

namespace vdit::diffusion {

// splitmix64 over a mix of the keys: a stateless, well-mixed 64-bit hash.
uint64_t counter_hash(uint64_t seed, uint64_t a, uint64_t b = 0, uint64_t c = 0);

// A uniform double in [0, 1) from a hash.
double counter_uniform(uint64_t seed, uint64_t a, uint64_t b, uint64_t c);

// Standard normal noise for tokens [token_begin, token_begin + count) of one sample, shape
// (count, token_dim). Noise is generated in fixed blocks of kNoiseBlockTokens tokens, each from its
// own generator seeded by (seed, step, sample, block), so a sequence-parallel rank reproduces
// exactly its slice of the sample's noise without generating the rest.
constexpr int64_t kNoiseBlockTokens = 64;
torch::Tensor token_noise(uint64_t seed, int64_t step, int64_t sample_index, int64_t token_begin,
                          int64_t count, int64_t token_dim);

}  // namespace vdit::diffusion
