#include "worker/model/mlp.h"

#include <torch/nn/functional/activation.h>

#include "parallel/tensor_parallel_regions.h"
#include "worker/model/attention.h"

namespace vdit::model {

MlpImpl::MlpImpl(int64_t dim, int64_t hidden_dim, ParallelContext parallel) : parallel(parallel) {
  fc1 = register_module("fc1", torch::nn::Linear(dim, hidden_dim / parallel.tp_size()));
  fc2 = register_module("fc2", torch::nn::Linear(hidden_dim / parallel.tp_size(), dim));
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
  const auto hidden =
      torch::gelu(fc1(parallel::copy_to_tp(x, parallel.tp)), "tanh");  // (N, L, hidden/tp)
  return row_parallel_linear(hidden, fc2, parallel.tp);                // (N, L, D)
}

}  // namespace vdit::model
