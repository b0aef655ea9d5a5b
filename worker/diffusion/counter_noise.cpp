#include "worker/diffusion/counter_noise.h"

#include <ATen/CPUGeneratorImpl.h>

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

torch::Tensor token_noise(uint64_t seed, int64_t step, int64_t sample_index, int64_t token_begin,
                          int64_t count, int64_t token_dim) {
  const int64_t first_block = token_begin / kNoiseBlockTokens;
  const int64_t last_block = (token_begin + count - 1) / kNoiseBlockTokens;
  std::vector<torch::Tensor> blocks;
  for (int64_t block = first_block; block <= last_block; ++block) {
    auto generator = at::make_generator<at::CPUGeneratorImpl>(
        counter_hash(seed, static_cast<uint64_t>(step), static_cast<uint64_t>(sample_index),
                     static_cast<uint64_t>(block)));
    blocks.push_back(torch::randn({kNoiseBlockTokens, token_dim}, generator, torch::kFloat32));
  }
  // (blocks * 64, token_dim) -> the requested rows
  return torch::cat(blocks, 0).narrow(0, token_begin - first_block * kNoiseBlockTokens, count);
}

}  // namespace vdit::diffusion
