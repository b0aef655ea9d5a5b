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

// Collectives run on the communicator's own stream, ordered after the work already queued on the
// legacy default CUDA stream (where LibTorch computes unless a caller switches streams) and before
// any work queued there afterwards. The host never waits, except in barrier(). Uses the CUDA
// runtime and tensor data pointers only, so it builds against a CPU-only LibTorch.
class NcclCommunicator final : public CommunicatorBackend {
 public:
  // Collective over `axis_comm` (see NcclCommHandle::bootstrap).
  static std::shared_ptr<NcclCommunicator> bootstrap(MPI_Comm axis_comm, int cuda_device);

  NcclCommunicator(NcclCommHandle comm, int cuda_device);

  const char* name() const override { return "nccl"; }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void all_reduce_sum(const torch::Tensor& tensor) override;
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
  // Fences `launch` (which enqueues NCCL calls on stream_) between the default stream's earlier
  // and later work.
  void enqueue(const std::function<void(cudaStream_t)>& launch);

  NcclCommHandle comm_;
  int cuda_device_;
  int rank_ = 0;
  int size_ = 1;
  CudaStream stream_;
  CudaEvent default_stream_ready_;
  CudaEvent collective_done_;
  CudaDeviceBuffer barrier_word_;  // one float all-reduced by barrier()
};

}  // namespace vdit::parallel
