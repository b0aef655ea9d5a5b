#include "parallel/sequence_parallel_regions.h"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <utility>

#include "core/error.h"
#include "parallel/tensor_parallel_regions.h"

namespace vdit::parallel {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

// ctx->saved_data holds IValues only; a capsule carries the communicator to backward.
struct CommunicatorCapsule : torch::CustomClassHolder {
  explicit CommunicatorCapsule(Communicator communicator) : communicator(std::move(communicator)) {}
  Communicator communicator;
};

// Communicator::all_to_all returns a reshaped view of its receive buffer; a view returned from a
// custom Function cannot be modified in place later, so the result gets its own storage.
torch::Tensor exchange(const torch::Tensor& x, const Communicator& sp, int64_t scatter_dim,
                       int64_t gather_dim) {
  const torch::Tensor exchanged = sp.all_to_all(x, scatter_dim, gather_dim);
  return exchanged.is_view() ? exchanged.clone(at::MemoryFormat::Contiguous) : exchanged;
}

struct AllToAllSp : torch::autograd::Function<AllToAllSp> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const Communicator& sp,
                               int64_t scatter_dim, int64_t gather_dim) {
    ctx->saved_data["communicator"] =
        c10::IValue::make_capsule(c10::make_intrusive<CommunicatorCapsule>(sp));
    ctx->saved_data["scatter_dim"] = scatter_dim;
    ctx->saved_data["gather_dim"] = gather_dim;
    return exchange(x, sp, scatter_dim, gather_dim);
  }
  // The exchange is a permutation of elements across ranks; its adjoint is the inverse
  // permutation, the exchange with the two dims swapped.
  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    const Communicator& sp = c10::static_intrusive_pointer_cast<CommunicatorCapsule>(
                                 ctx->saved_data.at("communicator").toCapsule())
                                 ->communicator;
    const torch::Tensor grad =
        exchange(grad_outputs[0], sp, ctx->saved_data.at("gather_dim").toInt(),
                 ctx->saved_data.at("scatter_dim").toInt());
    return {grad, torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

struct AllGatherSp : torch::autograd::Function<AllGatherSp> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x,
                               const Communicator& sp) {
    ctx->saved_data["communicator"] =
        c10::IValue::make_capsule(c10::make_intrusive<CommunicatorCapsule>(sp));
    return sp.all_gather(x.contiguous());
  }
  // The adjoint of "copy my x into slot rank() of every rank's result": sum slot rank() of every
  // rank's gradient.
  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    const Communicator& sp = c10::static_intrusive_pointer_cast<CommunicatorCapsule>(
                                 ctx->saved_data.at("communicator").toCapsule())
                                 ->communicator;
    return {sp.reduce_scatter_sum(grad_outputs[0].contiguous()), torch::Tensor()};
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
  if (dim < -x.dim() || dim >= x.dim()) {  // checked here too, so the message names this region
    throw RuntimeError(fmt::format("gather_from_sp: dim {} is outside shape [{}] (valid: {} .. {})",
                                   dim, fmt::join(x.sizes(), ", "), -x.dim(), x.dim() - 1));
  }
  return gather_from_tp(x, sp, dim);
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
