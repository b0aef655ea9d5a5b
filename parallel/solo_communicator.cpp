#include "parallel/solo_communicator.h"

#include <fmt/core.h>

#include <memory>

#include "core/error.h"

namespace vdit::parallel {
namespace {

// The handle has already checked shapes and allocated outputs; with one rank, "block i from rank
// i" is the input itself, so gathers and exchanges copy input to output and sums do nothing.
class SoloCommunicator final : public CommunicatorBackend {
 public:
  const char* name() const override { return "solo"; }
  int rank() const override { return 0; }
  int size() const override { return 1; }

  void all_reduce_sum(const torch::Tensor& /*tensor*/) override {}
  void reduce_scatter_sum(const torch::Tensor& input, const torch::Tensor& output) override {
    output.copy_(input);
  }
  void all_gather(const torch::Tensor& input, const torch::Tensor& output) override {
    output.copy_(input);
  }
  void all_to_all(const torch::Tensor& input, const torch::Tensor& output) override {
    output.copy_(input);
  }
  void broadcast(const torch::Tensor& /*tensor*/, int /*root*/) override {}
  void send(const torch::Tensor& /*tensor*/, int destination) override {
    throw RuntimeError(fmt::format(
        "send to rank {} on a solo communicator: a group of one rank has no peer", destination));
  }
  void recv(const torch::Tensor& /*tensor*/, int source) override {
    throw RuntimeError(fmt::format(
        "recv from rank {} on a solo communicator: a group of one rank has no peer", source));
  }
  void barrier() override {}
};

}  // namespace

Communicator make_solo_communicator() { return Communicator(std::make_shared<SoloCommunicator>()); }

}  // namespace vdit::parallel
