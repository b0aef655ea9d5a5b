// Exponential moving average of a model's parameters (used for sampling and evaluation).
#pragma once

#include <torch/nn/module.h>

namespace vdit::training {

class ExponentialMovingAverage {
 public:
  // Starts as a copy of the model's parameters.
  ExponentialMovingAverage(const torch::nn::Module& model, double decay);

  // shadow = decay * shadow + (1 - decay) * parameter, for every parameter.
  void update(const torch::nn::Module& model);
  // Writes the averaged weights into `model` (same architecture).
  void copy_to(torch::nn::Module& model) const;

  double decay() const { return decay_; }
  const torch::OrderedDict<std::string, torch::Tensor>& shadow() const { return shadow_; }
  torch::OrderedDict<std::string, torch::Tensor>& shadow() { return shadow_; }

 private:
  double decay_;
  torch::OrderedDict<std::string, torch::Tensor> shadow_;
};

}  // namespace vdit::training
