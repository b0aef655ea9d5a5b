#include "data/shard_summary.h"

#include <fmt/core.h>

#include <algorithm>

#include "data/caption_tokenizer.h"
#include "data/motion_track.h"
#include "data/patchify.h"

namespace vdit::data {
namespace {

// How far the foreground of an RGB pixel clip moves, e.g. "motion: centroid (23.0,22.5) frame 0
// -> ...". Empty for latents, other channel counts and single frames, where it means nothing.
std::string clip_motion(ShardReader& reader, const BucketShape& shape, int64_t row) {
  const ShardHeader& header = reader.info().header;
  if (header.space != TokenSpace::kPixel || header.channels != 3 || shape.frames < 2) return "";
  RgbVideo video{static_cast<int>(shape.frames),
                 static_cast<int>(shape.height),
                 static_cast<int>(shape.width),
                 {}};
  video.pixels = unpatchify_hwc(reader.read_pixel_tokens(shape, row), shape, 3, header.patch);
  const std::string what = fmt::format("{}: bucket {} sample {}", reader.path(), shape.name(), row);
  return fmt::format("        motion: {}\n", describe_motion(track_motion(video, {}, what)));
}

}  // namespace

std::string summarize_shard(ShardReader& reader, int captions_per_bucket) {
  const ShardInfo& info = reader.info();
  const ShardHeader& header = info.header;
  const char* token_dtype = header.space == TokenSpace::kPixel ? "uint8" : "float16";
  int64_t total = 0;
  for (const BucketInfo& bucket : info.buckets) total += bucket.samples;

  std::string text = fmt::format(
      "{}\n  format {} version {}, space {}, channels {}, patch {}\n  {} buckets, {} samples\n",
      info.path, kShardFormat, info.version, to_string(header.space), header.channels,
      to_string(header.patch), info.buckets.size(), total);
  if (!header.vae_checksum.empty()) {
    text += fmt::format("  vae {} (latents scaled by {})\n", header.vae_checksum,
                        header.vae_scaling_factor);
  }
  if (!header.text_encoder_checksum.empty()) {
    text += fmt::format("  caption_emb from text encoder {}\n", header.text_encoder_checksum);
  }
  for (const BucketInfo& bucket : info.buckets) {
    const PatchGrid grid = patch_grid(bucket.shape, header.patch);
    text += fmt::format("  bucket {}: {} samples, patch grid {}x{}x{}\n", bucket.shape.name(),
                        bucket.samples, grid.frames, grid.height, grid.width);
    text += fmt::format("    tokens      [{}, {}, {}] {}\n", bucket.samples,
                        bucket.tokens_per_sample, bucket.token_dim, token_dtype);
    if (bucket.has_caption_ids()) {
      text +=
          fmt::format("    caption_ids [{}, {}] int32\n", bucket.samples, bucket.caption_length);
    }
    if (bucket.has_caption_emb()) {
      text += fmt::format("    caption_emb [{}, {}, {}] float16\n", bucket.samples,
                          bucket.caption_emb_length, bucket.caption_emb_dim);
    }
    text += fmt::format("    source      [{}] string\n", bucket.samples);
    const int64_t shown = std::min<int64_t>(captions_per_bucket, bucket.samples);
    for (int64_t row = 0; row < shown; ++row) {
      const std::string source = reader.read_source(bucket.shape, row);
      if (bucket.has_caption_ids()) {
        const CaptionTokenizer tokenizer(bucket.caption_length);
        const std::string caption = tokenizer.decode(reader.read_caption_ids(bucket.shape, row));
        text += fmt::format("    [{}] \"{}\" ({})\n", row, caption, source);
      } else {
        text += fmt::format("    [{}] {}\n", row, source);
      }
      text += clip_motion(reader, bucket.shape, row);
    }
  }
  return text;
}

}  // namespace vdit::data
