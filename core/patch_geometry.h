// The geometry every layer shares: a patch (the unit one token covers) and the grid of patches of
// one clip. Shards store it, the loader cuts by it, the model embeds by it.
#pragma once

#include <cstdint>

namespace vdit {

// pt frames by p x p pixels (or latent cells): square spatial patches, as in DiT.
struct PatchSize {
  int64_t frames = 1;  // pt
  int64_t size = 1;    // p
  // Values in one token: pt * p * p * channels.
  int64_t token_dim(int64_t channels) const { return frames * size * size * channels; }
  bool operator==(const PatchSize& other) const {
    return frames == other.frames && size == other.size;
  }
  bool operator!=(const PatchSize& other) const { return !(*this == other); }
};

// The patch grid of one clip: T' = T / pt, H' = H / p, W' = W / p.
struct PatchGrid {
  int64_t frames = 1;
  int64_t height = 1;
  int64_t width = 1;
  int64_t tokens() const { return frames * height * width; }
};

}  // namespace vdit
