// A user's video autoencoder (a TorchScript file) for latent-space training: it encodes clips when
// `vdit data pack --vae` writes latent shards and decodes sampled latents for `vdit sample --vae`.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "data/pack_encoders.h"
#include "eval/detector_file.h"

namespace vdit::eval {

// The file's contract:
//   encode(x) : x [B, 3, T, H, W] float in [-1, 1]  ->  latents [B, C, T', H', W']
//   decode(z) : z [B, C, T', H', W']                ->  video   [B, 3, T, H, W] in about [-1, 1]
//   scaling_factor : float attribute, optional (1 when absent). As in latent diffusion, the
//     diffusion model sees encode(x) * scaling_factor (about unit variance) and the sampler hands
//     decode() its output divided by it.
// Latent sizes are found by calling encode on zeros of the clip size (once per size), so any
// spatial or temporal compression works, causal video VAEs' 1 + 4k frames included.
class LatentAutoencoder final : public data::ClipEncoder {
 public:
  // InputError naming the file if it is missing, not TorchScript, lacks encode/decode, or has a
  // scaling_factor that is not a positive number.
  static LatentAutoencoder load(const std::string& path);

  int64_t channels() const override;  // InputError before the first latent_shape()
  double scaling_factor() const override { return scaling_factor_; }
  std::string checksum() const override { return file_.checksum; }
  const std::string& path() const { return file_.path; }
  data::BucketShape latent_shape(const data::BucketShape& pixels) const override;
  std::vector<float> encode(const std::vector<uint8_t>& rgb,
                            const data::BucketShape& pixels) const override;

  // latents [N, C, T', H', W'] as the diffusion model produced them (scaled) -> video
  // [N, 3, T, H, W] float, where `pixels` is the clip size they were encoded from. InputError
  // naming the file if decode returns another shape.
  at::Tensor decode(const at::Tensor& latents, const data::BucketShape& pixels) const;

 private:
  DetectorFile file_;
  double scaling_factor_ = 1.0;
  // Probed sizes: pixel bucket -> (latent bucket, channels). Mutable: a cache behind const calls.
  mutable std::map<data::BucketShape, std::pair<data::BucketShape, int64_t>> probed_;
};

}  // namespace vdit::eval
