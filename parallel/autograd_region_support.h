// What the tp and sp communication regions share (tensor_parallel_regions.cpp and
// sequence_parallel_regions.cpp; not for other users): carrying a communicator from forward to
// backward, dim checks that name the region, and owning results.
#pragma once

#include <fmt/core.h>
#include <fmt/ranges.h>
#include <torch/torch.h>

#include <string>
#include <utility>

#include "core/error.h"
#include "parallel/communicator.h"

namespace vdit::parallel::regions {

// ctx->saved_data holds IValues only; a capsule carries the communicator to backward.
struct CommunicatorCapsule : torch::CustomClassHolder {
  explicit CommunicatorCapsule(Communicator communicator) : communicator(std::move(communicator)) {}
  Communicator communicator;
};

inline void save_communicator(torch::autograd::AutogradContext* ctx,
                              const Communicator& communicator) {
  ctx->saved_data["communicator"] =
      c10::IValue::make_capsule(c10::make_intrusive<CommunicatorCapsule>(communicator));
}

inline Communicator saved_communicator(torch::autograd::AutogradContext* ctx) {
  return c10::static_intrusive_pointer_cast<CommunicatorCapsule>(
             ctx->saved_data.at("communicator").toCapsule())
      ->communicator;
}

inline std::string shape_of(const torch::Tensor& tensor) {
  return fmt::format("[{}]", fmt::join(tensor.sizes(), ", "));
}

// `dim` counted from the front (a negative one from the end); RuntimeError naming `region` and
// the shape when it lies outside the tensor.
inline int64_t checked_dim(const char* region, const torch::Tensor& x, int64_t dim) {
  const int64_t dims = x.dim();
  if (dim < -dims || dim >= dims) {
    throw RuntimeError(fmt::format("{}: dim {} is outside shape {} (valid: {} .. {})", region, dim,
                                   shape_of(x), -dims, dims - 1));
  }
  return dim < 0 ? dim + dims : dim;
}

// A view returned from a custom Function cannot be modified in place later (autograd refuses), so
// results that are views of a temporary get their own storage.
inline torch::Tensor owning(const torch::Tensor& tensor) {
  return tensor.is_view() ? tensor.clone(at::MemoryFormat::Contiguous) : tensor;
}

}  // namespace vdit::parallel::regions
