#include "parallel/bucketed_all_reduce.h"

#include <fmt/core.h>

#include "core/error.h"

namespace vdit::parallel {
namespace {

int64_t bytes_of(const torch::Tensor& tensor) { return tensor.numel() * tensor.element_size(); }

bool fits(const std::vector<torch::Tensor>& bucket, int64_t bucket_used,
          const torch::Tensor& tensor, int64_t bucket_bytes) {
  if (bucket.empty()) return true;
  return bucket.front().scalar_type() == tensor.scalar_type() &&
         bucket.front().device() == tensor.device() &&
         bucket_used + bytes_of(tensor) <= bucket_bytes;
}

// One collective for the whole bucket: flatten, reduce, scatter the sums back into the tensors.
void reduce_bucket(const Communicator& communicator, const std::vector<torch::Tensor>& bucket,
                   Reduction reduction) {
  std::vector<torch::Tensor> flat_views;
  flat_views.reserve(bucket.size());
  for (const torch::Tensor& tensor : bucket) flat_views.push_back(tensor.reshape({-1}));
  const torch::Tensor flat = torch::cat(flat_views);
  if (reduction == Reduction::kAverage) {
    communicator.all_reduce_avg(flat);
  } else {
    communicator.all_reduce_sum(flat);
  }
  int64_t offset = 0;
  for (const torch::Tensor& tensor : bucket) {
    tensor.copy_(flat.slice(0, offset, offset + tensor.numel()).view(tensor.sizes()));
    offset += tensor.numel();
  }
}

}  // namespace

void all_reduce_bucketed(const Communicator& communicator,
                         const std::vector<torch::Tensor>& tensors, Reduction reduction,
                         int64_t bucket_bytes) {
  if (bucket_bytes < 1) {
    throw RuntimeError(fmt::format("bucket size must be positive, got {} bytes", bucket_bytes));
  }
  std::vector<torch::Tensor> bucket;
  int64_t bucket_used = 0;
  for (const torch::Tensor& tensor : tensors) {
    if (!fits(bucket, bucket_used, tensor, bucket_bytes)) {
      reduce_bucket(communicator, bucket, reduction);
      bucket.clear();
      bucket_used = 0;
    }
    bucket.push_back(tensor);
    bucket_used += bytes_of(tensor);
  }
  if (!bucket.empty()) reduce_bucket(communicator, bucket, reduction);
}

}  // namespace vdit::parallel
