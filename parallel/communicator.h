// Communicator: tensor collectives over one group of ranks, behind a small backend interface.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>

namespace vdit::parallel {

// A collective in flight (see Communicator::start_all_reduce_sum). Destroying one waits for it.
class PendingCollective {
 public:
  virtual ~PendingCollective() = default;
  // Lets the collective make progress without blocking (MPI moves non-blocking collectives only
  // inside MPI calls); true once it has finished.
  virtual bool test() = 0;
  // Blocks until the collective has finished; its result may then be read.
  virtual void wait() = 0;
};

// A collective the host need not wait for: a blocking one that has returned, or one ordered on a
// device stream before everything that later reads its result.
std::unique_ptr<PendingCollective> finished_collective();

// What a backend implements. The Communicator handle has already checked shapes and ranks and
// made every tensor contiguous; outputs are preallocated by the handle on the input's device, so a
// backend only moves bytes. Rank numbers are ranks within this group.
class CommunicatorBackend {
 public:
  virtual ~CommunicatorBackend() = default;

  virtual const char* name() const = 0;  // "mpi", "nccl", ... for error messages
  virtual int rank() const = 0;
  virtual int size() const = 0;

  virtual void all_reduce_sum(const torch::Tensor& tensor) = 0;
  // Starts all_reduce_sum without waiting. `tensor` stays untouched by the caller until the
  // returned collective has finished. The default runs the blocking one (right for backends whose
  // collectives are already asynchronous to the host, like NCCL's on its stream).
  virtual std::unique_ptr<PendingCollective> start_all_reduce_sum(const torch::Tensor& tensor);
  // Starts a sum that only `root` receives (in place there; other ranks' tensors are left as they
  // were). The default all-reduces, which gives root the same result.
  virtual std::unique_ptr<PendingCollective> start_reduce_sum(const torch::Tensor& tensor,
                                                              int root);
  // Starts broadcast(tensor, root). The default runs the blocking one.
  virtual std::unique_ptr<PendingCollective> start_broadcast(const torch::Tensor& tensor, int root);
  // output holds input.numel() / size() elements: block rank() of the element-wise sum.
  virtual void reduce_scatter_sum(const torch::Tensor& input, const torch::Tensor& output) = 0;
  // output holds size() blocks of input.numel() elements, block i from rank i.
  virtual void all_gather(const torch::Tensor& input, const torch::Tensor& output) = 0;
  // input and output hold size() equal blocks: input block i goes to rank i, output block j
  // comes from rank j (MPI_Alltoall).
  virtual void all_to_all(const torch::Tensor& input, const torch::Tensor& output) = 0;
  virtual void broadcast(const torch::Tensor& tensor, int root) = 0;
  virtual void send(const torch::Tensor& tensor, int destination) = 0;
  virtual void recv(const torch::Tensor& tensor, int source) = 0;
  virtual void barrier() = 0;
};

// A cheap-to-copy value handle: copies share one backend (MpiCommunicator for CPU tensors,
// NcclCommunicator for CUDA tensors, DeviceRoutedCommunicator for both).
// Every rank of the group must make the same calls in the same order with tensors of the same
// shape and dtype (except send/recv). Supported dtypes: float32, float64, bfloat16, float16,
// int64, int32, uint8. Non-contiguous tensors are accepted; in-place results are written back.
// Shape mistakes throw vdit::RuntimeError naming the shape and the group size.
class Communicator {
 public:
  explicit Communicator(std::shared_ptr<CommunicatorBackend> backend);

  int rank() const { return backend_->rank(); }
  int size() const { return backend_->size(); }
  const char* backend_name() const { return backend_->name(); }

  // In place: tensor becomes the element-wise sum over the group.
  void all_reduce_sum(const torch::Tensor& tensor) const;
  // In place: the element-wise mean over the group (floating-point tensors only).
  void all_reduce_avg(const torch::Tensor& tensor) const;
  // In place, without waiting: `tensor` (contiguous) becomes the element-wise sum once the
  // returned collective has finished. Ranks start their collectives in the same order.
  std::unique_ptr<PendingCollective> start_all_reduce_sum(const torch::Tensor& tensor) const;
  // In place on `root` only, without waiting: root's tensor becomes the element-wise sum; the
  // other ranks' tensors keep their values.
  std::unique_ptr<PendingCollective> start_reduce_sum(const torch::Tensor& tensor, int root) const;
  // Without waiting: every rank's tensor (contiguous) becomes root's.
  std::unique_ptr<PendingCollective> start_broadcast(const torch::Tensor& tensor, int root) const;

  // Sums over the group, then returns this rank's slice of dim 0:
  //   [size * n, ...] -> [n, ...], rows rank*n .. rank*n + n - 1 of the sum.
  torch::Tensor reduce_scatter_sum(const torch::Tensor& input) const;

  // Concatenates every rank's tensor along dim 0 in rank order: [n, ...] -> [size * n, ...].
  torch::Tensor all_gather(const torch::Tensor& input) const;

  // Splits `input` along scatter_dim into size() chunks, sends chunk i to rank i, and concatenates
  // the chunks received along gather_dim in rank order. Ulysses sequence parallelism:
  //   all_to_all(x, /*scatter_dim=*/2, /*gather_dim=*/1): [B, L/sp, H, D] -> [B, L, H/sp, D]
  //   all_to_all(y, /*scatter_dim=*/1, /*gather_dim=*/2): [B, L, H/sp, D] -> [B, L/sp, H, D]
  // and the second undoes the first. input.size(scatter_dim) must divide by size().
  torch::Tensor all_to_all(const torch::Tensor& input, int64_t scatter_dim,
                           int64_t gather_dim) const;

  // In place: every rank's tensor becomes root's.
  void broadcast(const torch::Tensor& tensor, int root) const;

  // Point to point. Blocking; recv fills `tensor`, which must already have the sender's shape.
  void send(const torch::Tensor& tensor, int destination) const;
  void recv(const torch::Tensor& tensor, int source) const;

  void barrier() const;

 private:
  static void check_contiguous(const torch::Tensor& tensor, const char* operation);
  void check_peer(int peer, const char* role) const;

  std::shared_ptr<CommunicatorBackend> backend_;
};

}  // namespace vdit::parallel
