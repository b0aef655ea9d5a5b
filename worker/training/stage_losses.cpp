#include "worker/training/stage_losses.h"

namespace vdit::training {
namespace {

// (N, L, C) -> (N, T'', S, C)
torch::Tensor frames_of(const torch::Tensor& tokens, int64_t tokens_per_frame) {
  return tokens.reshape({tokens.size(0), -1, tokens_per_frame, tokens.size(2)});
}

torch::Tensor frame_difference(const torch::Tensor& frames) {
  return frames.narrow(1, 1, frames.size(1) - 1) - frames.narrow(1, 0, frames.size(1) - 1);
}

}  // namespace

torch::Tensor temporal_consistency_loss(const torch::Tensor& predicted_x0,
                                        const torch::Tensor& true_x0, int64_t tokens_per_frame) {
  const auto predicted = frames_of(predicted_x0, tokens_per_frame);
  if (predicted.size(1) < 2) return torch::zeros({predicted.size(0)}, predicted_x0.options());
  const auto truth = frames_of(true_x0, tokens_per_frame);
  return (frame_difference(predicted) - frame_difference(truth)).pow(2).mean({1, 2, 3});  // (N,)
}

torch::Tensor motion_smoothness_loss(const torch::Tensor& predicted_x0, int64_t tokens_per_frame) {
  const auto predicted = frames_of(predicted_x0, tokens_per_frame);
  if (predicted.size(1) < 3) return torch::zeros({predicted.size(0)}, predicted_x0.options());
  return frame_difference(frame_difference(predicted)).pow(2).mean({1, 2, 3});  // (N,)
}

}  // namespace vdit::training
