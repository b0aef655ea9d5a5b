#include "parallel/communicator.h"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <utility>

#include "core/error.h"

namespace vdit::parallel {
namespace {

std::string shape_of(const torch::Tensor& tensor) {
  return fmt::format("[{}]", fmt::join(tensor.sizes(), ", "));
}

// Runs an in-place operation on a contiguous view of `tensor` and writes the result back when
// making it contiguous needed a copy.
template <typename Operation>
void in_place(const torch::Tensor& tensor, Operation&& operation) {
  torch::Tensor contiguous = tensor.contiguous();
  std::forward<Operation>(operation)(contiguous);
  if (!contiguous.is_same(tensor)) tensor.copy_(contiguous);
}

class FinishedCollective final : public PendingCollective {
 public:
  bool test() override { return true; }
  void wait() override {}
};

}  // namespace

std::unique_ptr<PendingCollective> finished_collective() {
  return std::make_unique<FinishedCollective>();
}

std::unique_ptr<PendingCollective> CommunicatorBackend::start_all_reduce_sum(
    const torch::Tensor& tensor) {
  all_reduce_sum(tensor);
  return finished_collective();
}

std::unique_ptr<PendingCollective> CommunicatorBackend::start_reduce_sum(
    const torch::Tensor& tensor, int /*root*/) {
  return start_all_reduce_sum(tensor);
}

std::unique_ptr<PendingCollective> CommunicatorBackend::start_broadcast(const torch::Tensor& tensor,
                                                                        int root) {
  broadcast(tensor, root);
  return finished_collective();
}

Communicator::Communicator(std::shared_ptr<CommunicatorBackend> backend)
    : backend_(std::move(backend)) {
  if (!backend_) throw RuntimeError("Communicator needs a backend, got null");
}

void Communicator::all_reduce_sum(const torch::Tensor& tensor) const {
  in_place(tensor, [&](const torch::Tensor& buffer) { backend_->all_reduce_sum(buffer); });
}

void Communicator::all_reduce_avg(const torch::Tensor& tensor) const {
  if (!tensor.is_floating_point()) {
    throw RuntimeError(fmt::format("all_reduce_avg needs a floating-point tensor, got {}",
                                   c10::toString(tensor.scalar_type())));
  }
  in_place(tensor, [&](const torch::Tensor& buffer) {
    backend_->all_reduce_sum(buffer);
    buffer.div_(size());
  });
}

std::unique_ptr<PendingCollective> Communicator::start_all_reduce_sum(
    const torch::Tensor& tensor) const {
  check_contiguous(tensor, "start_all_reduce_sum");
  return backend_->start_all_reduce_sum(tensor);
}

std::unique_ptr<PendingCollective> Communicator::start_reduce_sum(const torch::Tensor& tensor,
                                                                  int root) const {
  check_contiguous(tensor, "start_reduce_sum");
  check_peer(root, "reduce root");
  return backend_->start_reduce_sum(tensor, root);
}

std::unique_ptr<PendingCollective> Communicator::start_broadcast(const torch::Tensor& tensor,
                                                                 int root) const {
  check_contiguous(tensor, "start_broadcast");
  check_peer(root, "broadcast root");
  return backend_->start_broadcast(tensor, root);
}

torch::Tensor Communicator::reduce_scatter_sum(const torch::Tensor& input) const {
  if (input.dim() == 0 || input.size(0) % size() != 0) {
    throw RuntimeError(
        fmt::format("reduce_scatter_sum: dim 0 of shape {} must divide by the {} "
                    "ranks of the group",
                    shape_of(input), size()));
  }
  std::vector<int64_t> output_shape = input.sizes().vec();
  output_shape[0] /= size();
  torch::Tensor output = torch::empty(output_shape, input.options());
  backend_->reduce_scatter_sum(input.contiguous(), output);
  return output;
}

torch::Tensor Communicator::all_gather(const torch::Tensor& input) const {
  if (input.dim() == 0) {
    throw RuntimeError("all_gather needs a tensor with at least one dimension, got a scalar");
  }
  std::vector<int64_t> output_shape = input.sizes().vec();
  output_shape[0] *= size();
  torch::Tensor output = torch::empty(output_shape, input.options());
  backend_->all_gather(input.contiguous(), output);
  return output;
}

torch::Tensor Communicator::all_to_all(const torch::Tensor& input, int64_t scatter_dim,
                                       int64_t gather_dim) const {
  const int64_t rank_count = size();
  const int64_t dims = input.dim();
  if (scatter_dim < 0 || scatter_dim >= dims || gather_dim < 0 || gather_dim >= dims) {
    throw RuntimeError(
        fmt::format("all_to_all: scatter_dim {} and gather_dim {} must lie in [0, {}) "
                    "for shape {}",
                    scatter_dim, gather_dim, dims, shape_of(input)));
  }
  if (input.size(scatter_dim) % rank_count != 0) {
    throw RuntimeError(
        fmt::format("all_to_all: dim {} of shape {} must divide by the {} ranks of "
                    "the group",
                    scatter_dim, shape_of(input), rank_count));
  }
  // Split scatter_dim into (rank_count, chunk) and bring the rank index to the front, so block i
  // of the contiguous send buffer is the chunk for rank i: [rank_count, ...chunk shape].
  std::vector<int64_t> split_shape = input.sizes().vec();
  split_shape[scatter_dim] /= rank_count;
  split_shape.insert(split_shape.begin() + scatter_dim, rank_count);
  const torch::Tensor send_blocks = input.reshape(split_shape).movedim(scatter_dim, 0).contiguous();
  torch::Tensor received_blocks = torch::empty_like(send_blocks);
  backend_->all_to_all(send_blocks, received_blocks);
  // Block j came from rank j. Moving the block index next to gather_dim and merging the two is
  // the concatenation along gather_dim in rank order.
  std::vector<int64_t> output_shape(received_blocks.sizes().begin() + 1,
                                    received_blocks.sizes().end());
  output_shape[gather_dim] *= rank_count;
  return received_blocks.movedim(0, gather_dim).reshape(output_shape);
}

void Communicator::broadcast(const torch::Tensor& tensor, int root) const {
  check_peer(root, "broadcast root");
  in_place(tensor, [&](const torch::Tensor& buffer) { backend_->broadcast(buffer, root); });
}

void Communicator::send(const torch::Tensor& tensor, int destination) const {
  check_peer(destination, "send destination");
  backend_->send(tensor.contiguous(), destination);
}

void Communicator::recv(const torch::Tensor& tensor, int source) const {
  check_peer(source, "recv source");
  in_place(tensor, [&](const torch::Tensor& buffer) { backend_->recv(buffer, source); });
}

void Communicator::barrier() const { backend_->barrier(); }

void Communicator::check_contiguous(const torch::Tensor& tensor, const char* operation) {
  if (!tensor.is_contiguous()) {
    // A started collective could reach a strided tensor only by a copy once it has finished.
    throw RuntimeError(
        fmt::format("{} needs a contiguous tensor, got shape {} with strides [{}]", operation,
                    shape_of(tensor), fmt::join(tensor.strides(), ", ")));
  }
}

void Communicator::check_peer(int peer, const char* role) const {
  if (peer < 0 || peer >= size()) {
    throw RuntimeError(
        fmt::format("{} {} is not a rank of this {}-rank group", role, peer, size()));
  }
}

}  // namespace vdit::parallel
