#include "worker/model/mlp.h"

#include <torch/nn/functional/activation.h>

namespace vdit::model {

MlpImpl::MlpImpl(int64_t dim, int64_t hidden_dim, ParallelContext context) {
  fc1 = register_module("fc1", ParallelLinear(dim, hidden_dim, column_split(), context.tp));
  fc2 = register_module("fc2", ParallelLinear(hidden_dim, dim, row_split(), context.tp));
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
  return fc2(torch::gelu(fc1(x), "tanh"));  // (N, L, hidden/tp) -> (N, L, D)
}

}  // namespace vdit::model
