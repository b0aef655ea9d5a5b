// A synthetic captioned video data set (moving and bouncing shapes) for demos and tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/shard_format.h"

namespace vdit::data {

// 1-frame images, short clips, longer clips, then larger resolutions: one bucket per curriculum
// stage of the demo run ("1x32x32,4x32x32,8x32x32,8x48x48,16x64x64").
std::vector<BucketShape> default_synth_buckets();

struct SynthOptions {
  std::string out_dir;  // created if missing
  uint64_t seed = 0;    // same seed, same bytes
  int64_t clips_per_bucket = 64;
  std::vector<BucketShape> buckets = default_synth_buckets();
  PatchSize patch{1, 4};
  int64_t shards = 1;           // clips go round-robin into this many shard files
  int64_t caption_length = 32;  // Lc of caption_ids
};

// One rendered clip: pixels [T, H, W, 3] in RGB and a caption describing it.
struct SyntheticClip {
  BucketShape shape;
  std::vector<uint8_t> pixels;
  std::string caption;
};

// A pure function of (seed, index, shape): shapes (circle, square, triangle) of several colours,
// sizes, speeds and directions on a plain dark background. A 1-frame clip holds still shapes and
// its caption says where they are.
SyntheticClip render_synthetic_clip(uint64_t seed, int64_t index, const BucketShape& shape);

// Writes pixel-space shards "synthetic-<k>-of-<K>.h5" into out_dir with caption_ids and source
// "synthetic:<seed>:<index>"; returns their paths. Throws InputError on invalid options.
std::vector<std::string> write_synthetic_dataset(const SynthOptions& options);

}  // namespace vdit::data
