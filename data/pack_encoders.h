// The networks `vdit data pack` may run on what it packs: an autoencoder that turns RGB clips into
// latents, a text encoder that turns captions into embeddings. Interfaces only: the TorchScript
// implementations sit above data/ (eval/latent_autoencoder.h, eval/text_encoder.h), so data/ stays
// free of LibTorch and its tests can use plain test doubles.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/shard_format.h"

namespace vdit::data {

// RGB clip -> latent clip, one clip at a time.
class ClipEncoder {
 public:
  virtual ~ClipEncoder() = default;

  // Latent channels C.
  virtual int64_t channels() const = 0;
  // The factor the latents are multiplied by after encoding (the sampler divides by it before
  // decoding); recorded in the shards.
  virtual double scaling_factor() const = 0;
  // The autoencoder file's checksum ("crc32:<8 hex>-<bytes>"), recorded in the shards.
  virtual std::string checksum() const = 0;
  // The latent bucket (T', H', W') a clip of `pixels` encodes to. InputError naming the file if the
  // autoencoder cannot take that size.
  virtual BucketShape latent_shape(const BucketShape& pixels) const = 0;
  // rgb: [T, H, W, 3] uint8 of bucket `pixels` -> scaled latents [T', H', W', C] (channels last,
  // the layout patchify_hwc takes).
  virtual std::vector<float> encode(const std::vector<uint8_t>& rgb,
                                    const BucketShape& pixels) const = 0;
};

// Caption text -> embeddings [Lc, D], Lc fixed for the whole pack.
class CaptionEncoder {
 public:
  virtual ~CaptionEncoder() = default;

  virtual int64_t length() const = 0;  // Lc
  virtual int64_t dim() const = 0;     // D
  // The text encoder file's checksum, recorded in the shards.
  virtual std::string checksum() const = 0;
  // [Lc * D] values, row-major [Lc, D].
  virtual std::vector<float> encode(const std::string& caption) const = 0;
};

}  // namespace vdit::data
