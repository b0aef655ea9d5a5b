// Shared by the eval tests: the committed fixtures (scripts/eval_fixtures) and the synthetic
// feature sets that script computed its reference values on.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "data/splitmix64.h"

namespace vdit::eval::test {

inline std::string fixture(const std::string& name) {
  return std::string(VDIT_SOURCE_DIR) + "/tests/fixtures/eval/" + name;
}

inline const nlohmann::json& reference() {
  static const nlohmann::json loaded =
      nlohmann::json::parse(std::ifstream(fixture("reference.json")));
  return loaded;
}

// [rows, cols] float64; value k (row-major) is SplitMix64(seed)'s k-th uniform(), as the script's
// uniform_matrix.
inline at::Tensor uniform_matrix(int64_t rows, int64_t cols, uint64_t seed) {
  data::SplitMix64 random(seed);
  at::Tensor values = at::empty({rows, cols}, at::kDouble);
  double* out = values.data_ptr<double>();
  for (int64_t k = 0; k < rows * cols; ++k) out[k] = random.uniform();
  return values;
}

// The script's synthetic_features: scale (U - 0.5) + shift, optionally mixed by I + (M - 0.5)
// and with the second half of the columns copied from the first.
inline at::Tensor synthetic_features(int64_t n, int64_t dim, uint64_t seed, double scale,
                                     double shift, uint64_t mixing_seed, bool duplicate_half) {
  at::Tensor x = (uniform_matrix(n, dim, seed) - 0.5) * scale + shift;
  if (mixing_seed != 0) {
    x = at::matmul(x, at::eye(dim, at::kDouble) + (uniform_matrix(dim, dim, mixing_seed) - 0.5));
  }
  if (duplicate_half) {
    x.slice(1, dim / 2).copy_(x.slice(1, 0, dim - dim / 2));
  }
  return x;
}

}  // namespace vdit::eval::test
