// Bucketed all-reduce: sums many tensors (gradients) over a group in a few large messages.
#pragma once

#include <cstdint>
#include <vector>

#include "parallel/communicator.h"

namespace vdit::parallel {

// 25 MiB, PyTorch DDP's default: large enough that per-message latency vanishes next to bandwidth,
// small enough that a bucket can be reduced while backward still produces the next one.
constexpr int64_t kDefaultBucketBytes = int64_t{25} << 20;

enum class Reduction { kSum, kAverage };

// In place: every tensor becomes its sum (or mean) over the group. Consecutive tensors of one
// dtype and device are flattened into buckets of at most `bucket_bytes` (a larger tensor gets a
// bucket of its own); each bucket is one collective. Every rank passes tensors of the same shapes
// and dtypes in the same order, as gradients of one model are. kAverage needs floating point.
void all_reduce_bucketed(const Communicator& communicator,
                         const std::vector<torch::Tensor>& tensors,
                         Reduction reduction = Reduction::kSum,
                         int64_t bucket_bytes = kDefaultBucketBytes);

}  // namespace vdit::parallel
