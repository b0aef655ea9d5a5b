// The DiT's last layer: adaLN (shift, scale) then a Linear back to token values; zero-initialized
// so an untrained model predicts zeros.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "worker/model/parallel_linear.h"

namespace vdit::model {

class FinalLayerImpl : public torch::nn::Module {
 public:
  FinalLayerImpl(int64_t dim, int64_t token_dim);
  torch::Tensor forward(const torch::Tensor& x,
                        const torch::Tensor& c);  // (N, L, D), (N, D) -> (N, L, token_dim)

  torch::nn::LayerNorm norm_final{nullptr};
  ParallelLinear linear{nullptr};                   // replicated: D -> token_dim
  torch::nn::Sequential adaLN_modulation{nullptr};  // SiLU, replicated Linear(D, 2D)
};
TORCH_MODULE(FinalLayer);

}  // namespace vdit::model
