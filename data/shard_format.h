// The vdit-shard HDF5 layout: names, version, bucket shapes and the patch token geometry.
//
// Layout (see docs/shard_format.md):
//   /                      attrs: format "vdit-shard", version 1, space "pixel"|"latent",
//                                 channels C, patch [pt, p, p]; latent shards packed with a VAE
//                                 also vae_checksum, vae_scaling_factor; shards whose
//                                 caption_emb came from a text encoder text_encoder_checksum
//   /buckets/<T>x<H>x<W>/tokens       [N, L, pt*p*p*C]  uint8 (pixel) or float16 (latent)
//   /buckets/<T>x<H>x<W>/caption_ids  [N, Lc] int32        (optional)
//   /buckets/<T>x<H>x<W>/caption_emb  [N, Lc, D] float16   (optional)
//   /buckets/<T>x<H>x<W>/source       [N] strings
// Token layout: L = (T/pt)(H/p)(W/p) tokens in (t, h, w) order over the patch grid; the values of
// one token in (dt, dy, dx, c) order, channels innermost.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>

#include "core/patch_geometry.h"

namespace vdit::data {

inline constexpr const char* kShardFormat = "vdit-shard";
inline constexpr int64_t kShardVersion = 1;
inline constexpr const char* kBucketsGroup = "buckets";
inline constexpr const char* kTokensDataset = "tokens";
inline constexpr const char* kCaptionIdsDataset = "caption_ids";
inline constexpr const char* kCaptionEmbDataset = "caption_emb";
inline constexpr const char* kSourceDataset = "source";

// Pixel shards hold uint8 RGB patches; latent shards hold float16 autoencoder latents.
enum class TokenSpace { kPixel, kLatent };
std::string to_string(TokenSpace space);
// Throws InputError naming `where` for anything but "pixel" or "latent".
TokenSpace parse_token_space(const std::string& text, const std::string& where);

std::string to_string(const PatchSize& patch);  // "[1, 4, 4]"
// Parses "pt,p,p" (e.g. "1,4,4"); throws InputError naming `where`.
PatchSize parse_patch_size(const std::string& text, const std::string& where);

// A bucket: every clip in it has exactly these frames, height and width.
struct BucketShape {
  int64_t frames = 1;
  int64_t height = 1;
  int64_t width = 1;
  std::string name() const;  // "<T>x<H>x<W>", the bucket's group name
  bool operator==(const BucketShape& other) const {
    return frames == other.frames && height == other.height && width == other.width;
  }
  bool operator!=(const BucketShape& other) const { return !(*this == other); }
  bool operator<(const BucketShape& other) const {
    return std::tie(frames, height, width) < std::tie(other.frames, other.height, other.width);
  }
};
// Parses "TxHxW" (e.g. "8x32x32"); throws InputError naming `where`.
BucketShape parse_bucket_shape(const std::string& text, const std::string& where);

// The patch grid (T/pt, H/p, W/p) of a bucket: the model's positional embedding uses it.
// Throws InputError if the bucket does not divide into whole patches.
PatchGrid patch_grid(const BucketShape& bucket, const PatchSize& patch);

// What the root attributes declare: all buckets of a shard share it.
struct ShardHeader {
  TokenSpace space = TokenSpace::kPixel;
  int64_t channels = 3;
  PatchSize patch;
  // Latent shards from `vdit data pack --vae`: the autoencoder's file checksum
  // ("crc32:<8 hex>-<bytes>") and the factor its latents were multiplied by. Empty / 0 when the
  // shard does not record them (pixel shards, latents made elsewhere).
  std::string vae_checksum;
  double vae_scaling_factor = 0;
  // caption_emb from `vdit data pack --text-encoder`: the encoder file's checksum; empty if none.
  std::string text_encoder_checksum;
};

// What the model needs from a shard; unset fields are not checked.
struct ShardExpectations {
  std::optional<TokenSpace> space;
  std::optional<int64_t> channels;
  std::optional<PatchSize> patch;
};

}  // namespace vdit::data
