#include "eval/kernel_distance.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "core/error.h"
#include "data/splitmix64.h"

namespace vdit::eval {
namespace {

// m distinct row indices of [0, n): the first m of a Fisher-Yates shuffle.
at::Tensor choose_rows(int64_t n, int64_t m, uint64_t seed) {
  std::vector<int64_t> rows(static_cast<size_t>(n));
  std::iota(rows.begin(), rows.end(), 0);
  data::SplitMix64 random(seed);
  for (int64_t i = 0; i < m; ++i) {
    const auto j = i + static_cast<int64_t>(random.below(static_cast<uint64_t>(n - i)));
    std::swap(rows[static_cast<size_t>(i)], rows[static_cast<size_t>(j)]);
  }
  rows.resize(static_cast<size_t>(m));
  return at::tensor(rows, at::kLong);
}

at::Tensor cubic_kernel(const at::Tensor& a, const at::Tensor& b) {
  const auto dim = static_cast<double>(a.size(1));
  return (at::matmul(a, b.t()) / dim + 1).pow(3);  // [m, m]
}

}  // namespace

double unbiased_mmd2(const at::Tensor& x, const at::Tensor& y) {
  const auto m = static_cast<double>(x.size(0));
  const at::Tensor within = cubic_kernel(x, x) + cubic_kernel(y, y);
  const double off_diagonal = (within.sum() - within.diagonal().sum()).item<double>();
  const double across = cubic_kernel(x, y).sum().item<double>();
  return (off_diagonal / (m - 1) - 2 * across / m) / m;
}

KernelDistance kernel_distance(const at::Tensor& first, const at::Tensor& second,
                               const KernelDistanceOptions& options) {
  if (first.size(1) != second.size(1)) {
    throw RuntimeError(
        fmt::format("KID between features of width {} and {}", first.size(1), second.size(1)));
  }
  const int64_t m = std::min({first.size(0), second.size(0), options.max_subset_size});
  if (m < 2) {
    throw InputError(fmt::format("KID needs at least 2 feature vectors per set, found {} and {}",
                                 first.size(0), second.size(0)));
  }
  const at::Tensor a = first.to(at::kDouble);
  const at::Tensor b = second.to(at::kDouble);
  std::vector<double> values;
  if (a.size(0) == m && b.size(0) == m) {
    // Every subset is then the whole of both sets: the value is the same each time, up to
    // rounding, so it is computed once rather than options.subsets times.
    values.assign(static_cast<size_t>(std::max<int64_t>(options.subsets, 1)), unbiased_mmd2(b, a));
  }
  for (int64_t subset = static_cast<int64_t>(values.size()); subset < options.subsets; ++subset) {
    const auto s = static_cast<uint64_t>(subset);
    const at::Tensor x =
        b.index_select(0, choose_rows(b.size(0), m, data::mix_seed({options.seed, s, 2})));
    const at::Tensor y =
        a.index_select(0, choose_rows(a.size(0), m, data::mix_seed({options.seed, s, 1})));
    values.push_back(unbiased_mmd2(x, y));
  }
  KernelDistance result;
  result.subsets = options.subsets;
  result.subset_size = m;
  result.mean = std::accumulate(values.begin(), values.end(), 0.0) / values.size();
  double squares = 0;
  for (const double v : values) squares += (v - result.mean) * (v - result.mean);
  result.std = std::sqrt(squares / values.size());
  return result;
}

}  // namespace vdit::eval
