// A synthetic captioned video data set (moving and bouncing shapes) for demos and tests.
#pragma once

#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include "data/shard_format.h"

namespace vdit::data {

// 1-frame images, short clips, longer clips, then larger resolutions: one bucket per curriculum
// stage of the demo run ("1x32x32,4x32x32,8x32x32,8x48x48,16x64x64").
std::vector<BucketShape> default_synth_buckets();

// Caption ids per clip by default: the demo's model.caption_length. Every one-shape caption fits
// (the longest, "a large yellow triangle bouncing left and right", is 47 bytes); a two-shape clip
// whose caption would not fit is drawn with its first shape only (render_synthetic_clip).
inline constexpr int64_t kSynthCaptionLength = 64;

struct SynthOptions {
  std::string out_dir;  // created if missing
  uint64_t seed = 0;    // same seed, same bytes
  int64_t clips_per_bucket = 64;
  std::vector<BucketShape> buckets = default_synth_buckets();
  PatchSize patch{1, 4};
  int64_t shards = 1;                            // clips go round-robin into this many shard files
  int64_t caption_length = kSynthCaptionLength;  // Lc of caption_ids
  // The one warning for captions cut to caption_length (only below 47); nullptr = silent.
  std::ostream* warnings = &std::cerr;
};

// One rendered clip: pixels [T, H, W, 3] in RGB and a caption describing it.
struct SyntheticClip {
  BucketShape shape;
  std::vector<uint8_t> pixels;
  std::string caption;
};

// A pure function of (seed, index, shape, caption_bytes): shapes (circle, square, triangle) of
// several colours, sizes, speeds and directions on a plain dark background. A 1-frame clip holds
// still shapes and its caption says where they are. One clip in five has two shapes, captioned
// "<first> and <second>"; when that caption is longer than `caption_bytes` the clip shows and
// names its first shape only, so a caption never describes half of what the clip shows. (Both
// shapes are drawn from the random stream either way: a clip that fits is the same bytes at any
// caption length.)
SyntheticClip render_synthetic_clip(uint64_t seed, int64_t index, const BucketShape& shape,
                                    int64_t caption_bytes = kSynthCaptionLength);

// Writes pixel-space shards "synthetic-<k>-of-<K>.h5" into out_dir with caption_ids and source
// "synthetic:<seed>:<index>"; returns their paths. Throws InputError on invalid options.
std::vector<std::string> write_synthetic_dataset(const SynthOptions& options);

}  // namespace vdit::data
