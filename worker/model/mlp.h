// The transformer MLP: fc1 -> GELU (tanh approximation, as the reference DiT) -> fc2.
// Tensor parallel (Megatron): Y = GELU(X A) B with A split along columns (fc1 rows: this rank's
// hidden/tp units) and B along rows (fc2 input columns); the partial products sum over tp.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "worker/model/parallel_context.h"
#include "worker/model/parallel_linear.h"

namespace vdit::model {

class MlpImpl : public torch::nn::Module {
 public:
  MlpImpl(int64_t dim, int64_t hidden_dim, ParallelContext context = {});
  torch::Tensor forward(const torch::Tensor& x);  // (N, L, D) -> (N, L, D)

  ParallelLinear fc1{nullptr};  // column: D -> hidden/tp
  ParallelLinear fc2{nullptr};  // row: weight (D, hidden/tp); bias replicated
};
TORCH_MODULE(Mlp);

}  // namespace vdit::model
