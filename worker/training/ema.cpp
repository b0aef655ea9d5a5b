#include "worker/training/ema.h"

namespace vdit::training {

ExponentialMovingAverage::ExponentialMovingAverage(const torch::nn::Module& model, double decay)
    : decay_(decay) {
  torch::NoGradGuard no_grad;
  for (const auto& item : model.named_parameters())
    shadow_.insert(item.key(), item.value().detach().clone());
}

void ExponentialMovingAverage::update(const torch::nn::Module& model) {
  torch::NoGradGuard no_grad;
  for (const auto& item : model.named_parameters()) {
    shadow_[item.key()].mul_(decay_).add_(item.value().detach(), 1.0 - decay_);
  }
}

void ExponentialMovingAverage::copy_to(torch::nn::Module& model) const {
  torch::NoGradGuard no_grad;
  for (auto& item : model.named_parameters()) item.value().copy_(shadow_[item.key()]);
}

}  // namespace vdit::training
