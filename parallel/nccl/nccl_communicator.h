// NcclCommunicator: the Communicator backend for CUDA tensors, over one NCCL communicator.
#pragma once

#include <mpi.h>
#include <nccl.h>

#include <functional>
#include <memory>

#include "parallel/communicator.h"
#include "parallel/nccl/cuda_handles.h"
#include "parallel/nccl/nccl_comm_handle.h"

namespace vdit::parallel {

// Collectives run on the communicator's own stream, ordered by events after the work already
// queued on the compute stream (c10's current CUDA stream of the device: where LibTorch queues the
// kernels that produce and consume the tensors, whichever stream a caller has made current) and
// before any work queued there afterwards. The host never waits, except in barrier(). Built
// against a CPU-only LibTorch (which has no c10 CUDA streams and never makes a CUDA tensor) it
// orders against the legacy default stream instead, and uses only the CUDA runtime.
class NcclCommunicator final : public CommunicatorBackend {
 public:
  // Collective over `axis_comm` (see NcclCommHandle::bootstrap).
  static std::shared_ptr<NcclCommunicator> bootstrap(MPI_Comm axis_comm, int cuda_device);

  NcclCommunicator(NcclCommHandle comm, int cuda_device);

  const char* name() const override { return "nccl"; }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void all_reduce_sum(const torch::Tensor& tensor) override;
  std::unique_ptr<PendingCollective> start_reduce_sum(const torch::Tensor& tensor,
                                                      int root) override;  // ncclReduce
  void reduce_scatter_sum(const torch::Tensor& input, const torch::Tensor& output) override;
  void all_gather(const torch::Tensor& input, const torch::Tensor& output) override;
  void all_to_all(const torch::Tensor& input, const torch::Tensor& output) override;
  void broadcast(const torch::Tensor& tensor, int root) override;
  void send(const torch::Tensor& tensor, int destination) override;
  void recv(const torch::Tensor& tensor, int source) override;
  void barrier() override;

 private:
  // Checks that `tensor` lives on this communicator's device.
  void check_device(const torch::Tensor& tensor) const;
  // Fences `launch` (which enqueues NCCL calls on stream_) between the compute stream's earlier
  // and later work.
  void enqueue(const std::function<void(cudaStream_t)>& launch);

  NcclCommHandle comm_;
  int cuda_device_;
  int rank_ = 0;
  int size_ = 1;
  CudaStream stream_;
  CudaEvent compute_stream_ready_;
  CudaEvent collective_done_;
  CudaDeviceBuffer barrier_word_;  // one float all-reduced by barrier()
};

}  // namespace vdit::parallel
