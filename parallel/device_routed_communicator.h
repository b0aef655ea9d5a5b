// DeviceRoutedCommunicator: CPU tensors go to one backend (MPI), device tensors to another (NCCL).
#pragma once

#include <memory>

#include "parallel/communicator.h"

namespace vdit::parallel {

// Both backends must span the same ranks in the same order (ProcessGroups builds the device one
// from the host one). barrier() goes to the host backend: it synchronizes processes, not streams.
class DeviceRoutedCommunicator final : public CommunicatorBackend {
 public:
  DeviceRoutedCommunicator(std::shared_ptr<CommunicatorBackend> host,
                           std::shared_ptr<CommunicatorBackend> device);

  const char* name() const override { return "mpi+nccl"; }
  int rank() const override { return host_->rank(); }
  int size() const override { return host_->size(); }

  void all_reduce_sum(const torch::Tensor& tensor) override;
  std::unique_ptr<PendingCollective> start_all_reduce_sum(const torch::Tensor& tensor) override;
  std::unique_ptr<PendingCollective> start_reduce_sum(const torch::Tensor& tensor,
                                                      int root) override;
  std::unique_ptr<PendingCollective> start_broadcast(const torch::Tensor& tensor,
                                                     int root) override;
  void reduce_scatter_sum(const torch::Tensor& input, const torch::Tensor& output) override;
  void all_gather(const torch::Tensor& input, const torch::Tensor& output) override;
  void all_to_all(const torch::Tensor& input, const torch::Tensor& output) override;
  void broadcast(const torch::Tensor& tensor, int root) override;
  void send(const torch::Tensor& tensor, int destination) override;
  void recv(const torch::Tensor& tensor, int source) override;
  void barrier() override;

 private:
  CommunicatorBackend& route(const torch::Tensor& tensor) const;

  std::shared_ptr<CommunicatorBackend> host_;
  std::shared_ptr<CommunicatorBackend> device_;
};

}  // namespace vdit::parallel
