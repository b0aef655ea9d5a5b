#include "worker/model/parallel_linear.h"

#include <fmt/core.h>
#include <torch/nn/functional/linear.h>
#include <torch/nn/init.h>

#include <cmath>
#include <utility>

#include "core/error.h"
#include "parallel/tensor_parallel_regions.h"

namespace vdit::model {
namespace {

// The size of `features` on this rank under `rule` (dim `split_dim` of the weight).
int64_t local_features(int64_t features, const ShardRule& rule, int64_t tp, const char* what) {
  const int64_t blocks = rule.style == ShardStyle::kColumn ? rule.blocks : 1;
  if (blocks < 1 || features % (blocks * tp) != 0) {
    throw RuntimeError(
        fmt::format("a tensor-parallel Linear with {} {} features cannot be split "
                    "into {} block(s) over tp = {}",
                    features, what, blocks, tp));
  }
  return features / tp;
}

}  // namespace

ParallelLinearImpl::ParallelLinearImpl(int64_t in, int64_t out, ShardRule declared,
                                       parallel::Communicator tp)
    : declared_(declared), tp_(std::move(tp)) {
  const int64_t tp_size = tp_.size();
  const int64_t local_in =
      declared_.style == ShardStyle::kRow ? local_features(in, declared_, tp_size, "input") : in;
  const int64_t local_out = declared_.style == ShardStyle::kColumn
                                ? local_features(out, declared_, tp_size, "output")
                                : out;
  weight = register_parameter("weight", torch::empty({local_out, local_in}));
  bias = register_parameter("bias", torch::empty({local_out}));
  torch::nn::init::kaiming_uniform_(weight, std::sqrt(5.0));
  const double bound = 1.0 / std::sqrt(static_cast<double>(local_in));
  torch::nn::init::uniform_(bias, -bound, bound);
}

torch::Tensor ParallelLinearImpl::forward(const torch::Tensor& x) {
  namespace F = torch::nn::functional;
  switch (declared_.style) {
    case ShardStyle::kColumn:
      return F::linear(parallel::copy_to_tp(x, tp_), weight, bias);  // (..., out/tp)
    case ShardStyle::kRow:
      if (tp_.size() == 1) break;  // nothing to sum: the bias goes into the matmul
      return parallel::reduce_from_tp(F::linear(x, weight), tp_) + bias;  // (..., out)
    case ShardStyle::kReplicated:
      break;
  }
  return F::linear(x, weight, bias);  // (..., out)
}

ShardRule ParallelLinearImpl::weight_rule() const {
  return tp_.size() > 1 ? declared_ : ShardRule{};
}

ShardRule ParallelLinearImpl::bias_rule() const {
  const ShardRule rule = weight_rule();
  return rule.style == ShardStyle::kColumn ? rule : ShardRule{};
}

}  // namespace vdit::model
