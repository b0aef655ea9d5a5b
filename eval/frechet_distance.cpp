#include "eval/frechet_distance.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace vdit::eval {
namespace {

// sqrt(S) of a symmetric positive semi-definite S: V diag(sqrt(max(w, 0))) V^T.
at::Tensor symmetric_sqrt(const at::Tensor& matrix) {
  const auto [eigenvalues, eigenvectors] = at::linalg_eigh(matrix);  // [D], [D, D]
  return at::matmul(eigenvectors * eigenvalues.clamp_min(0).sqrt().unsqueeze(0), eigenvectors.t());
}

}  // namespace

FrechetDistance frechet_distance(const GaussianStatistics& first,
                                 const GaussianStatistics& second) {
  if (first.dim() != second.dim()) {
    throw RuntimeError(fmt::format("Fréchet distance between features of width {} and {}",
                                   first.dim(), second.dim()));
  }
  const at::Tensor difference = first.mean - second.mean;  // [D]
  const at::Tensor root = symmetric_sqrt(first.covariance);
  at::Tensor product = at::matmul(at::matmul(root, second.covariance), root);  // [D, D]
  product = (product + product.t()) / 2;  // symmetric up to rounding; eigh reads one triangle
  const double trace_sqrt = at::linalg_eigvalsh(product).clamp_min(0).sqrt().sum().item<double>();
  const double value = at::dot(difference, difference).item<double>() +
                       first.covariance.trace().item<double>() +
                       second.covariance.trace().item<double>() - 2 * trace_sqrt;
  FrechetDistance distance;
  // The exact value is >= 0; identical sets round to a tiny negative number.
  distance.value = std::max(value, 0.0);
  distance.rank_deficient = first.count <= first.dim() || second.count <= second.dim();
  if (!std::isfinite(distance.value)) {
    throw RuntimeError("Fréchet distance is not finite: the statistics hold NaN or Inf");
  }
  return distance;
}

}  // namespace vdit::eval
