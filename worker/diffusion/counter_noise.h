// Counter-based randomness: every random number of a training step is a pure function of
// (seed, step, global sample index), so any mesh layout sees the same numbers and checkpoints carry
// no RNG state.
#pragma once

#include <cstdint>

namespace vdit::diffusion {

// splitmix64 over a mix of the keys: a stateless, well-mixed 64-bit hash.
uint64_t counter_hash(uint64_t seed, uint64_t a, uint64_t b = 0, uint64_t c = 0);

// A uniform double in [0, 1) from a hash.
double counter_uniform(uint64_t seed, uint64_t a, uint64_t b, uint64_t c);

// Gaussian noise from these counters, computed on the model's device: device_noise.h.

}  // namespace vdit::diffusion
