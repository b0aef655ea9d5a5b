// A frozen TorchScript feature network for the stage-4 perceptual loss
// (curriculum.perceptual_network).
#pragma once

#include <ATen/ATen.h>

#include <string>

#include "eval/detector_file.h"

namespace vdit::eval {

// The network's parameters never train (requires_grad off, eval mode), but gradients flow
// through it to its input, so a loss on its features trains whatever made the frames.
class FeatureNetwork {
 public:
  // Accepts forward(x) or forward(x, return_features) (an FID Inception file works). Probes with
  // one [1, 3, 32, 32] frame of `dtype` in [-1, 1]; InputError naming the file when it is missing,
  // not TorchScript, has another signature, or returns no tensor with one row per frame.
  static FeatureNetwork load(const std::string& path, at::ScalarType dtype = at::kFloat);

  // frames [N, 3, H, W] (the DiT's pixels, [-1, 1]) -> features [N, ...], differentiable with
  // respect to `frames`.
  at::Tensor features(const at::Tensor& frames);
  const DetectorFile& file() const { return file_; }

 private:
  DetectorFile file_;
  bool takes_return_features_ = false;
};

// mean over all feature values of (phi(predicted) - phi(target))^2, the target side without
// gradient: the perceptual loss before its stage weight.
at::Tensor perceptual_loss(FeatureNetwork& network, const at::Tensor& predicted,
                           const at::Tensor& target);

}  // namespace vdit::eval
