// MpiCommunicator: the Communicator backend for CPU tensors, over an owned MPI communicator.
#pragma once

#include <mpi.h>

#include "parallel/communicator.h"
#include "parallel/mpi_communicator_handle.h"

namespace vdit::parallel {

class MpiCommunicator final : public CommunicatorBackend {
 public:
  // Takes ownership of `comm` and sets MPI_ERRORS_RETURN on it so failures reach MPI_CHECK.
  static Communicator create(MpiCommunicatorHandle comm);

  explicit MpiCommunicator(MpiCommunicatorHandle comm);

  MPI_Comm comm() const { return comm_.get(); }

  const char* name() const override { return "mpi"; }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void all_reduce_sum(const torch::Tensor& tensor) override;
  // MPI_Iallreduce (16-bit floats: the blocking one, which sums in float32).
  std::unique_ptr<PendingCollective> start_all_reduce_sum(const torch::Tensor& tensor) override;
  std::unique_ptr<PendingCollective> start_reduce_sum(const torch::Tensor& tensor,
                                                      int root) override;  // MPI_Ireduce
  std::unique_ptr<PendingCollective> start_broadcast(const torch::Tensor& tensor,
                                                     int root) override;  // MPI_Ibcast
  void reduce_scatter_sum(const torch::Tensor& input, const torch::Tensor& output) override;
  void all_gather(const torch::Tensor& input, const torch::Tensor& output) override;
  void all_to_all(const torch::Tensor& input, const torch::Tensor& output) override;
  void broadcast(const torch::Tensor& tensor, int root) override;
  void send(const torch::Tensor& tensor, int destination) override;
  void recv(const torch::Tensor& tensor, int source) override;
  void barrier() override;

 private:
  MpiCommunicatorHandle comm_;
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace vdit::parallel
