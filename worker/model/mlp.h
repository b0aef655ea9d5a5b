// The transformer MLP: fc1 -> GELU (tanh approximation, as the reference DiT) -> fc2.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace vdit::model {

class MlpImpl : public torch::nn::Module {
 public:
  MlpImpl(int64_t dim, int64_t hidden_dim);
  torch::Tensor forward(const torch::Tensor& x);  // (N, L, D) -> (N, L, D)

  torch::nn::Linear fc1{nullptr};  // D -> hidden
  torch::nn::Linear fc2{nullptr};  // hidden -> D
};
TORCH_MODULE(Mlp);

}  // namespace vdit::model
