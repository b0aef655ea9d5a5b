// KID: the kernel inception distance (unbiased MMD^2, cubic polynomial kernel) over feature
// subsets.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>

namespace vdit::eval {

// clean-fid's convention: 100 subsets of m = min(N1, N2, 1000) vectors each, drawn without
// replacement; the kernel k(x, y) = (x . y / D + 1)^3.
struct KernelDistanceOptions {
  int64_t subsets = 100;
  int64_t max_subset_size = 1000;
  uint64_t seed = 0;  // subsets come from splitmix64 streams of (seed, subset, set)
};

struct KernelDistance {
  double mean = 0;  // KID: the mean over subsets of the unbiased MMD^2
  double std = 0;   // population standard deviation over subsets (0 when every subset is all)
  int64_t subsets = 0;
  int64_t subset_size = 0;
};

// Unbiased MMD^2 between two equal-sized sets x, y [m, D] (m >= 2):
//   (sum_{i!=j} k(x_i,x_j) + k(y_i,y_j)) / (m (m-1)) - 2 sum_{i,j} k(x_i,y_j) / m^2.
double unbiased_mmd2(const at::Tensor& x, const at::Tensor& y);

// first [N1, D], second [N2, D] (any floating dtype; computed in float64). InputError if either
// set has fewer than 2 vectors, RuntimeError if the widths differ.
KernelDistance kernel_distance(const at::Tensor& first, const at::Tensor& second,
                               const KernelDistanceOptions& options = {});

}  // namespace vdit::eval
