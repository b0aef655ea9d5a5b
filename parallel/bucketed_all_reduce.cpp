#include "parallel/bucketed_all_reduce.h"

#include <fmt/core.h>

#include <cstring>
#include <utility>

#include "core/error.h"

namespace vdit::parallel {
namespace {

// With thousands of small gradients, one LibTorch op per copy costs more than the bytes (about
// 10 us each here), so contiguous CPU tensors are copied with memcpy; the rest (CUDA, strided)
// go through copy_.
bool plain_cpu(const torch::Tensor& tensor) { return tensor.is_cpu() && tensor.is_contiguous(); }

void* bucket_span(const torch::Tensor& bucket, int64_t offset) {
  return static_cast<char*>(bucket.data_ptr()) + offset * bucket.element_size();
}

void copy_into_bucket(const torch::Tensor& bucket, int64_t offset, const torch::Tensor& tensor) {
  if (plain_cpu(bucket) && plain_cpu(tensor)) {
    std::memcpy(bucket_span(bucket, offset), tensor.data_ptr(), tensor.nbytes());
  } else {
    bucket.slice(0, offset, offset + tensor.numel()).view(tensor.sizes()).copy_(tensor);
  }
}

void copy_from_bucket(const torch::Tensor& bucket, int64_t offset, const torch::Tensor& tensor) {
  if (plain_cpu(bucket) && plain_cpu(tensor)) {
    std::memcpy(tensor.data_ptr(), bucket_span(bucket, offset), tensor.nbytes());
  } else {
    tensor.copy_(bucket.slice(0, offset, offset + tensor.numel()).view(tensor.sizes()));
  }
}

}  // namespace

BucketedAllReducer::BucketedAllReducer(Communicator communicator, int64_t bucket_bytes)
    : communicator_(std::move(communicator)), bucket_bytes_(bucket_bytes) {
  if (bucket_bytes_ < 1) {
    throw RuntimeError(fmt::format("bucket size must be positive, got {} bytes", bucket_bytes_));
  }
}

void BucketedAllReducer::plan(const std::vector<torch::Tensor>& tensors) {
  layouts_.clear();
  buckets_.clear();
  int64_t bucket_used = 0;
  for (size_t index = 0; index < tensors.size(); ++index) {
    const torch::Tensor& tensor = tensors[index];
    layouts_.push_back({tensor.numel(), tensor.scalar_type(), tensor.device()});
    const int64_t bytes = tensor.numel() * tensor.element_size();
    const bool joins_last =
        !buckets_.empty() && layouts_[index - 1].dtype == tensor.scalar_type() &&
        layouts_[index - 1].device == tensor.device() && bucket_used + bytes <= bucket_bytes_;
    if (joins_last) {
      buckets_.back().tensor_count += 1;
      bucket_used += bytes;
    } else {
      buckets_.push_back({index, 1, torch::Tensor()});
      bucket_used = bytes;
    }
  }
  for (Bucket& bucket : buckets_) {
    if (bucket.tensor_count == 1) continue;
    int64_t elements = 0;
    for (size_t i = 0; i < bucket.tensor_count; ++i) {
      elements += layouts_[bucket.first_tensor + i].numel;
    }
    bucket.buffer = torch::empty({elements}, tensors[bucket.first_tensor].options());
  }
}

void BucketedAllReducer::reduce(const torch::Tensor& tensor, Reduction reduction) const {
  if (reduction == Reduction::kAverage) {
    communicator_.all_reduce_avg(tensor);
  } else {
    communicator_.all_reduce_sum(tensor);
  }
}

void BucketedAllReducer::all_reduce(const std::vector<torch::Tensor>& tensors,
                                    Reduction reduction) {
  bool same_layout = tensors.size() == layouts_.size();
  for (size_t i = 0; same_layout && i < tensors.size(); ++i) {
    same_layout = layouts_[i] ==
                  TensorLayout{tensors[i].numel(), tensors[i].scalar_type(), tensors[i].device()};
  }
  if (!same_layout) plan(tensors);

  for (const Bucket& bucket : buckets_) {
    if (!bucket.buffer.defined()) {
      reduce(tensors[bucket.first_tensor], reduction);
      continue;
    }
    // Gather into the flat buffer, reduce once, scatter the result back.
    int64_t offset = 0;
    for (size_t i = bucket.first_tensor; i < bucket.first_tensor + bucket.tensor_count; ++i) {
      copy_into_bucket(bucket.buffer, offset, tensors[i]);
      offset += tensors[i].numel();
    }
    reduce(bucket.buffer, reduction);
    offset = 0;
    for (size_t i = bucket.first_tensor; i < bucket.first_tensor + bucket.tensor_count; ++i) {
      copy_from_bucket(bucket.buffer, offset, tensors[i]);
      offset += tensors[i].numel();
    }
  }
}

}  // namespace vdit::parallel
