#include "parallel/tensor_parallel_regions.h"

#include <fmt/core.h>

#include "core/error.h"
#include "parallel/autograd_region_support.h"

namespace vdit::parallel {
namespace {

using regions::checked_dim;
using regions::owning;
using regions::save_communicator;
using regions::saved_communicator;
using regions::shape_of;
using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

torch::Tensor all_gather_along(const torch::Tensor& x, const Communicator& group, int64_t dim) {
  if (dim == 0) return group.all_gather(x);
  return owning(group.all_gather(x.movedim(dim, 0)).movedim(0, dim).contiguous());
}

torch::Tensor own_slice_along(const torch::Tensor& x, const Communicator& group, int64_t dim) {
  const int64_t slice_size = x.size(dim) / group.size();
  return x.narrow(dim, group.rank() * slice_size, slice_size).clone(at::MemoryFormat::Contiguous);
}

struct CopyToTp : torch::autograd::Function<CopyToTp> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x,
                               const Communicator& tp) {
    save_communicator(ctx, tp);
    return x;  // autograd wraps a returned input in a fresh view carrying this node
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    torch::Tensor grad = grad_outputs[0].clone(at::MemoryFormat::Contiguous);
    saved_communicator(ctx).all_reduce_sum(grad);
    return {grad, torch::Tensor()};
  }
};

struct ReduceFromTp : torch::autograd::Function<ReduceFromTp> {
  static torch::Tensor forward(AutogradContext* /*ctx*/, const torch::Tensor& x,
                               const Communicator& tp) {
    torch::Tensor sum = x.clone(at::MemoryFormat::Contiguous);
    tp.all_reduce_sum(sum);
    return sum;
  }
  static tensor_list backward(AutogradContext* /*ctx*/, tensor_list grad_outputs) {
    return {grad_outputs[0], torch::Tensor()};
  }
};

struct GatherFromTp : torch::autograd::Function<GatherFromTp> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const Communicator& tp,
                               int64_t dim) {
    save_communicator(ctx, tp);
    ctx->saved_data["dim"] = dim;
    return all_gather_along(x, tp, dim);
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    const torch::Tensor grad = own_slice_along(grad_outputs[0], saved_communicator(ctx),
                                               ctx->saved_data.at("dim").toInt());
    return {grad, torch::Tensor(), torch::Tensor()};
  }
};

struct ScatterToTp : torch::autograd::Function<ScatterToTp> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const Communicator& tp,
                               int64_t dim) {
    save_communicator(ctx, tp);
    ctx->saved_data["dim"] = dim;
    return own_slice_along(x, tp, dim);
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    const torch::Tensor grad = all_gather_along(grad_outputs[0], saved_communicator(ctx),
                                                ctx->saved_data.at("dim").toInt());
    return {grad, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor copy_to_tp(const torch::Tensor& x, const Communicator& tp) {
  if (tp.size() == 1) return x;
  return CopyToTp::apply(x, tp);
}

torch::Tensor reduce_from_tp(const torch::Tensor& x, const Communicator& tp) {
  if (tp.size() == 1) return x;
  return ReduceFromTp::apply(x, tp);
}

torch::Tensor gather_from_tp(const torch::Tensor& x, const Communicator& tp, int64_t dim) {
  dim = checked_dim("gather_from_tp", x, dim);
  if (tp.size() == 1) return x;
  return GatherFromTp::apply(x, tp, dim);
}

torch::Tensor scatter_to_tp(const torch::Tensor& x, const Communicator& tp, int64_t dim) {
  dim = checked_dim("scatter_to_tp", x, dim);
  if (x.size(dim) % tp.size() != 0) {
    throw RuntimeError(
        fmt::format("scatter_to_tp: dim {} of shape {} must divide by the {} ranks of the tp group",
                    dim, shape_of(x), tp.size()));
  }
  if (tp.size() == 1) return x;
  return ScatterToTp::apply(x, tp, dim);
}

}  // namespace vdit::parallel
