// The Fréchet distance between two Gaussians: FID and FVD are this on detector features.
#pragma once

#include <string>

#include "eval/feature_statistics.h"

namespace vdit::eval {

struct FrechetDistance {
  double value = 0;  // >= 0 and finite
  // Either set has fewer vectors than dimensions (count <= D): its covariance is singular and the
  // distance is a biased, rank-deficient estimate. Callers say so next to the number.
  bool rank_deficient = false;
};

// ||mu1 - mu2||^2 + tr S1 + tr S2 - 2 tr sqrt(S1 S2), the quantity pytorch-fid's
// calculate_frechet_distance computes. tr sqrt(S1 S2) = tr sqrt(sqrt(S1) S2 sqrt(S1)), whose
// argument is symmetric positive semi-definite, so it comes from two symmetric eigen-
// decompositions with negative rounding eigenvalues clamped to 0. Unlike a general matrix square
// root this stays real and finite for singular covariances. RuntimeError if the widths differ.
FrechetDistance frechet_distance(const GaussianStatistics& first, const GaussianStatistics& second);

}  // namespace vdit::eval
