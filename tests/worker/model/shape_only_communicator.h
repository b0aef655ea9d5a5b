// A communicator that is rank `rank` of `size` and refuses every collective: enough to build a
// tensor-parallel module in one process and look at the shapes it holds, never to run it.
#pragma once

#include <memory>
#include <stdexcept>

#include "parallel/communicator.h"

namespace vdit::testing {

class ShapeOnlyBackend : public parallel::CommunicatorBackend {
 public:
  ShapeOnlyBackend(int rank, int size) : rank_(rank), size_(size) {}
  const char* name() const override { return "shape-only"; }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void all_reduce_sum(const torch::Tensor&) override { refuse(); }
  void reduce_scatter_sum(const torch::Tensor&, const torch::Tensor&) override { refuse(); }
  void all_gather(const torch::Tensor&, const torch::Tensor&) override { refuse(); }
  void all_to_all(const torch::Tensor&, const torch::Tensor&) override { refuse(); }
  void broadcast(const torch::Tensor&, int) override { refuse(); }
  void send(const torch::Tensor&, int) override { refuse(); }
  void recv(const torch::Tensor&, int) override { refuse(); }
  void barrier() override { refuse(); }

 private:
  [[noreturn]] static void refuse() {
    throw std::logic_error("a shape-only communicator moves no data");
  }
  int rank_, size_;
};

inline parallel::Communicator shape_only_communicator(int rank, int size) {
  return parallel::Communicator(std::make_shared<ShapeOnlyBackend>(rank, size));
}

}  // namespace vdit::testing
