#include "worker/diffusion/counter_noise.h"

namespace vdit::diffusion {
namespace {

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

}  // namespace

uint64_t counter_hash(uint64_t seed, uint64_t a, uint64_t b, uint64_t c) {
  return splitmix64(splitmix64(splitmix64(splitmix64(seed) ^ a) ^ b) ^ c);
}

double counter_uniform(uint64_t seed, uint64_t a, uint64_t b, uint64_t c) {
  return static_cast<double>(counter_hash(seed, a, b, c) >> 11) * 0x1.0p-53;
}

}  // namespace vdit::diffusion
