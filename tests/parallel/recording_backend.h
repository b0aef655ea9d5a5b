// RecordingBackend: a fake CommunicatorBackend that records the calls reaching it.
#pragma once

#include <string>
#include <vector>

#include "parallel/communicator.h"

namespace vdit::parallel::testing {

// For single-process tests of what the Communicator handle and the routing do before bytes move.
// Acts as `size` ranks of which this is `rank`; collectives leave the data as is.
class RecordingBackend final : public CommunicatorBackend {
 public:
  RecordingBackend(int rank, int size) : rank_(rank), size_(size) {}

  const char* name() const override { return "recording"; }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void all_reduce_sum(const torch::Tensor&) override { calls.push_back("all_reduce_sum"); }
  void reduce_scatter_sum(const torch::Tensor&, const torch::Tensor&) override {
    calls.push_back("reduce_scatter_sum");
  }
  void all_gather(const torch::Tensor&, const torch::Tensor&) override {
    calls.push_back("all_gather");
  }
  // Copies input to output: what a group whose every rank holds the same tensor would receive.
  void all_to_all(const torch::Tensor& input, const torch::Tensor& output) override {
    output.copy_(input);
    calls.push_back("all_to_all");
  }
  void broadcast(const torch::Tensor&, int) override { calls.push_back("broadcast"); }
  void send(const torch::Tensor&, int) override { calls.push_back("send"); }
  void recv(const torch::Tensor&, int) override { calls.push_back("recv"); }
  void barrier() override { calls.push_back("barrier"); }

  std::vector<std::string> calls;

 private:
  int rank_;
  int size_;
};

}  // namespace vdit::parallel::testing
