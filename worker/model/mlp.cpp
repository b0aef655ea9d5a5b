#include "worker/model/mlp.h"

#include <torch/nn/functional/activation.h>

namespace vdit::model {

MlpImpl::MlpImpl(int64_t dim, int64_t hidden_dim) {
  fc1 = register_module("fc1", torch::nn::Linear(dim, hidden_dim));
  fc2 = register_module("fc2", torch::nn::Linear(hidden_dim, dim));
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
  return fc2(torch::gelu(fc1(x), "tanh"));
}

}  // namespace vdit::model
