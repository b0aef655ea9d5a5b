// Gaussian statistics of detector features, kept as float64 sums so that workers reduce sums.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>

#include "parallel/communicator.h"

namespace vdit::eval {

// Mean and unbiased covariance of a feature set: what a Fréchet distance compares.
struct GaussianStatistics {
  int64_t count = 0;
  at::Tensor mean;        // [D] float64
  at::Tensor covariance;  // [D, D] float64, unbiased (divided by count - 1)
  int64_t dim() const { return mean.size(0); }
};

// (n, sum x, sum x x^T) over every feature vector seen. Sums rather than running means so that
// parts computed on different workers (or files) combine exactly by addition, whatever the split.
class FeatureSums {
 public:
  explicit FeatureSums(int64_t dim);
  // Rebuilds the sums a GaussianStatistics came from (a stats file stores mean and covariance).
  static FeatureSums from_statistics(const GaussianStatistics& statistics);

  int64_t dim() const { return sum_.size(0); }
  int64_t count() const { return count_; }

  // features: [N, D], any floating dtype; accumulated in float64.
  void add(const at::Tensor& features);
  void merge(const FeatureSums& other);
  // In place: every rank's sums become the sums over the group.
  void all_reduce(const parallel::Communicator& group);

  // InputError naming `what` unless count >= 2 (one vector has no covariance).
  GaussianStatistics statistics(const std::string& what) const;

 private:
  int64_t count_ = 0;
  at::Tensor sum_;    // [D]
  at::Tensor outer_;  // [D, D]
};

}  // namespace vdit::eval
