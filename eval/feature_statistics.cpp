#include "eval/feature_statistics.h"

#include <fmt/core.h>

#include "core/error.h"
#include "eval/shape_text.h"

namespace vdit::eval {

FeatureSums::FeatureSums(int64_t dim)
    : sum_(at::zeros({dim}, at::kDouble)), outer_(at::zeros({dim, dim}, at::kDouble)) {}

FeatureSums FeatureSums::from_statistics(const GaussianStatistics& statistics) {
  FeatureSums sums(statistics.dim());
  const auto n = static_cast<double>(statistics.count);
  sums.count_ = statistics.count;
  sums.sum_ = statistics.mean * n;
  // sum x x^T = (n - 1) S + n mu mu^T
  sums.outer_ = statistics.covariance * (n - 1) + at::outer(statistics.mean, statistics.mean) * n;
  return sums;
}

void FeatureSums::add(const at::Tensor& features) {
  if (features.dim() != 2 || features.size(1) != dim()) {
    throw RuntimeError(fmt::format("feature sums of width {}: got features of shape {}", dim(),
                                   shape_text(features)));
  }
  const at::Tensor x = features.to(at::kDouble);  // [N, D]
  count_ += x.size(0);
  sum_ += x.sum(0);
  outer_ += at::matmul(x.t(), x);  // [D, D]
}

void FeatureSums::merge(const FeatureSums& other) {
  if (other.dim() != dim()) {
    throw RuntimeError(
        fmt::format("cannot merge feature sums of width {} into width {}", other.dim(), dim()));
  }
  count_ += other.count_;
  sum_ += other.sum_;
  outer_ += other.outer_;
}

void FeatureSums::all_reduce(const parallel::Communicator& group) {
  // The count travels as a float64 too: exact up to 2^53 vectors.
  at::Tensor packed = at::cat(
      {at::full({1}, static_cast<double>(count_), at::kDouble), sum_, outer_.reshape({-1})});
  group.all_reduce_sum(packed);
  count_ = static_cast<int64_t>(packed[0].item<double>());
  sum_ = packed.slice(0, 1, 1 + dim()).clone();
  outer_ = packed.slice(0, 1 + dim()).reshape({dim(), dim()}).clone();
}

GaussianStatistics FeatureSums::statistics(const std::string& what) const {
  if (count_ < 2) {
    throw InputError(fmt::format(
        "{}: {} feature vector(s), expected at least 2 to estimate a covariance", what, count_));
  }
  const auto n = static_cast<double>(count_);
  GaussianStatistics statistics;
  statistics.count = count_;
  statistics.mean = sum_ / n;
  // Unbiased: (sum x x^T - n mu mu^T) / (n - 1), symmetrized against rounding.
  at::Tensor covariance = (outer_ - at::outer(statistics.mean, sum_)) / (n - 1);
  statistics.covariance = (covariance + covariance.t()) / 2;
  return statistics;
}

}  // namespace vdit::eval
