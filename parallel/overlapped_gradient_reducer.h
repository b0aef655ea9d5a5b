// OverlappedGradientReducer: averages a model's gradients over a group while backward still runs.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "parallel/communicator.h"

namespace vdit::parallel {

// 25 MiB, PyTorch DDP's default: large enough that per-message latency vanishes next to bandwidth,
// small enough that a bucket can be reduced while backward still produces the next one.
constexpr int64_t kDefaultBucketBytes = int64_t{25} << 20;

// The gradients live in a few flat bucket buffers: every parameter's .grad is a view into one, so
// backward accumulates straight into the bytes that are sent and nothing is copied in or out.
// Buckets hold parameters in reverse order (backward produces the last layers' gradients first) and
// one dtype and device each. A post-hook on each parameter's gradient accumulator counts its
// contributions during the step's last backward; once every parameter of a bucket has received all
// of them, the bucket's all-reduce starts without blocking. Buckets start strictly in index order,
// the same on every rank, as collectives on one communicator must.
//
// How many contributions a parameter receives per backward depends on the graph (reentrant
// activation checkpointing runs a nested backward per checkpointed region), so the first backward
// of each graph key reduces every bucket after backward and records the counts; later ones
// overlap. A parameter that receives more than its recorded count after its bucket started is an
// error (a wrong sum is never used). Results equal a blocking all-reduce of each bucket divided by
// the group size.
//
// Sharded (ZeRO-1): given an owner rank per parameter, contiguous in reverse parameter order,
// buckets also break where the owner changes and each bucket is summed to its owner only (a
// reduce per bucket: together the traffic of one reduce-scatter). After the optimizer has updated
// the owned parameters, gather_parameters() broadcasts each bucket's parameters from its owner
// (together one all-gather) into the flat buffers of the buckets a rank does not own.
//
// Hooks run on the thread that runs backward (the caller's for CPU tensors); a step's calls
// (zero_grad, begin_backward, backward, finish) must not overlap another step's.
class OverlappedGradientReducer {
 public:
  // `parameters`: the same sizes, dtypes and order on every rank. Their gradients become zeroed
  // views into the buckets. `owners`: empty (every rank gets every mean), or the group rank owning
  // each parameter, non-decreasing from the last parameter to the first.
  OverlappedGradientReducer(Communicator communicator, const std::vector<torch::Tensor>& parameters,
                            std::vector<int> owners = {},
                            int64_t bucket_bytes = kDefaultBucketBytes);
  ~OverlappedGradientReducer();  // removes the hooks
  OverlappedGradientReducer(const OverlappedGradientReducer&) = delete;
  OverlappedGradientReducer& operator=(const OverlappedGradientReducer&) = delete;

  // Zeroes every gradient in place (and points any gradient that was replaced back at its bucket).
  // Call instead of Module::zero_grad before a step's first backward.
  void zero_grad();
  // Call before each backward of a step. `last`: the step's last backward (gradient accumulation:
  // earlier micro-batches only accumulate); its hooks start the reductions. `graph_key` names the
  // graph's shape, e.g. the activation-checkpointing setting.
  void begin_backward(bool last, int64_t graph_key);
  // After the last backward: starts the buckets no hook started, waits for all, and divides by the
  // group size. Every gradient is then the group's mean; sharded, only the owned ones are (the
  // others hold this rank's own sum and are not to be used).
  void finish();
  // Sharded only, after the owners updated their parameters: every parameter becomes its owner's.
  // Arrives through the buffers of the buckets this rank does not own; owned gradients are kept.
  void gather_parameters();

  size_t bucket_count() const;
  // Buckets of the last step whose all-reduce started inside backward rather than in finish().
  size_t buckets_started_in_backward() const;

 private:
  struct State;
  class ReadyHook;

  // Whether parameter `index`'s gradient is still its view into its bucket.
  bool in_bucket(size_t index) const;

  std::shared_ptr<State> state_;  // hooks hold it weakly
  std::vector<torch::Tensor> parameters_;
  std::vector<std::shared_ptr<torch::autograd::Node>> accumulators_;  // keeps the hooked nodes
  std::vector<uintptr_t> hook_keys_;
};

}  // namespace vdit::parallel
