// BucketedAllReducer: sums a model's gradients over a group in a few large messages.
#pragma once

#include <cstdint>
#include <vector>

#include "parallel/communicator.h"

namespace vdit::parallel {

// 25 MiB, PyTorch DDP's default: large enough that per-message latency vanishes next to bandwidth,
// small enough that a bucket can be reduced while backward still produces the next one.
constexpr int64_t kDefaultBucketBytes = int64_t{25} << 20;

enum class Reduction { kSum, kAverage };

// Consecutive tensors of one dtype and device share a flat bucket of at most `bucket_bytes`; each
// bucket is one collective. A tensor as large as a bucket is reduced in place, without copies. The
// bucket plan and buffers are made on the first call and kept while the tensors keep their sizes,
// dtypes and devices (gradients of one model do), so a step copies but does not allocate.
class BucketedAllReducer {
 public:
  explicit BucketedAllReducer(Communicator communicator,
                              int64_t bucket_bytes = kDefaultBucketBytes);

  // In place: every tensor becomes its sum (or mean, floating point only) over the group. Every
  // rank passes tensors of the same sizes and dtypes in the same order.
  void all_reduce(const std::vector<torch::Tensor>& tensors, Reduction reduction = Reduction::kSum);

 private:
  struct TensorLayout {
    int64_t numel;
    torch::ScalarType dtype;
    torch::Device device;
    bool operator==(const TensorLayout& other) const {
      return numel == other.numel && dtype == other.dtype && device == other.device;
    }
  };
  struct Bucket {
    size_t first_tensor;
    size_t tensor_count;
    torch::Tensor buffer;  // flat; undefined for a one-tensor bucket, reduced in place
  };

  void plan(const std::vector<torch::Tensor>& tensors);
  void reduce(const torch::Tensor& tensor, Reduction reduction) const;

  Communicator communicator_;
  int64_t bucket_bytes_;
  std::vector<TensorLayout> layouts_;
  std::vector<Bucket> buckets_;
};

}  // namespace vdit::parallel
