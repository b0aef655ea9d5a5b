#include "worker/model/final_layer.h"

#include <torch/nn/modules/activation.h>

#include "worker/model/dit_block.h"

namespace vdit::model {

FinalLayerImpl::FinalLayerImpl(int64_t dim, int64_t token_dim) {
  norm_final = register_module(
      "norm_final",
      torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).elementwise_affine(false).eps(1e-6)));
  linear = register_module("linear", ParallelLinear(dim, token_dim));
  adaLN_modulation = register_module(
      "adaLN_modulation", torch::nn::Sequential(torch::nn::SiLU(), ParallelLinear(dim, 2 * dim)));
}

torch::Tensor FinalLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& c) {
  const auto terms = adaLN_modulation->forward(c).chunk(2, 1);  // shift, scale: 2 x (N, D)
  return linear(modulate(norm_final(x), terms[0], terms[1]));
}

}  // namespace vdit::model
