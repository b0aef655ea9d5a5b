#include "parallel/sequence_parallel_regions.h"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include "core/error.h"
#include "parallel/autograd_region_support.h"
#include "parallel/tensor_parallel_regions.h"

namespace vdit::parallel {
namespace {

using regions::checked_dim;
using regions::save_communicator;
using regions::saved_communicator;
using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

// Communicator::all_to_all returns a reshaped view of its receive buffer; it gets its own storage.
torch::Tensor exchange(const torch::Tensor& x, const Communicator& sp, int64_t scatter_dim,
                       int64_t gather_dim) {
  return regions::owning(sp.all_to_all(x, scatter_dim, gather_dim));
}

struct AllToAllSp : torch::autograd::Function<AllToAllSp> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const Communicator& sp,
                               int64_t scatter_dim, int64_t gather_dim) {
    save_communicator(ctx, sp);
    ctx->saved_data["scatter_dim"] = scatter_dim;
    ctx->saved_data["gather_dim"] = gather_dim;
    return exchange(x, sp, scatter_dim, gather_dim);
  }
  // The exchange is a permutation of elements across ranks; its adjoint is the inverse
  // permutation, the exchange with the two dims swapped.
  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    const torch::Tensor grad =
        exchange(grad_outputs[0], saved_communicator(ctx), ctx->saved_data.at("gather_dim").toInt(),
                 ctx->saved_data.at("scatter_dim").toInt());
    return {grad, torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

struct AllGatherSp : torch::autograd::Function<AllGatherSp> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x,
                               const Communicator& sp) {
    save_communicator(ctx, sp);
    return sp.all_gather(x.contiguous());
  }
  // The adjoint of "copy my x into slot rank() of every rank's result": sum slot rank() of every
  // rank's gradient.
  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    return {saved_communicator(ctx).reduce_scatter_sum(grad_outputs[0].contiguous()),
            torch::Tensor()};
  }
};

}  // namespace

torch::Tensor all_to_all_sp(const torch::Tensor& x, const Communicator& sp, int64_t scatter_dim,
                            int64_t gather_dim) {
  const int64_t dims = x.dim();
  for (const int64_t dim : {scatter_dim, gather_dim}) {
    if (dim < -dims || dim >= dims) {
      throw RuntimeError(fmt::format(
          "all_to_all_sp: scatter_dim {} and gather_dim {} must lie in [{}, {}) for shape [{}]",
          scatter_dim, gather_dim, -dims, dims, fmt::join(x.sizes(), ", ")));
    }
  }
  if (scatter_dim < 0) scatter_dim += dims;
  if (gather_dim < 0) gather_dim += dims;
  // With more ranks, Communicator::all_to_all checks that scatter_dim divides by them.
  if (sp.size() == 1) return x;
  return AllToAllSp::apply(x, sp, scatter_dim, gather_dim);
}

// The same math as the tp regions; the names differ so a forward reads which group it talks to.
torch::Tensor gather_from_sp(const torch::Tensor& x, const Communicator& sp, int64_t dim) {
  // Checked here too, so the message names this region.
  return gather_from_tp(x, sp, checked_dim("gather_from_sp", x, dim));
}

torch::Tensor reduce_from_sp(const torch::Tensor& x, const Communicator& sp) {
  return reduce_from_tp(x, sp);
}

torch::Tensor all_gather_sp(const torch::Tensor& x, const Communicator& sp) {
  if (x.dim() == 0) throw RuntimeError("all_gather_sp: x must have a dim 0 to stack along");
  if (sp.size() == 1) return x;
  return AllGatherSp::apply(x, sp);
}

}  // namespace vdit::parallel
