#include "eval/frechet_distance.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "tests/eval/eval_fixtures.h"

namespace vdit::eval {
namespace {

GaussianStatistics statistics_of(const at::Tensor& features) {
  FeatureSums sums(features.size(1));
  sums.add(features);
  return sums.statistics("test features");
}

struct Case {
  FrechetDistance distance;
  const nlohmann::json* row;
};

std::vector<Case> table_cases() {
  std::vector<Case> cases;
  for (const auto& row : test::reference()["frechet"]) {
    const auto dim = row["dim"].get<int64_t>();
    const auto mix = row["mixing_seed"].get<uint64_t>();
    const bool dup = row["duplicate_half"].get<bool>();
    const at::Tensor x1 =
        test::synthetic_features(row["n1"], dim, row["seed1"], row["scale1"], 0.0, mix, dup);
    const at::Tensor x2 = test::synthetic_features(row["n2"], dim, row["seed2"], row["scale2"],
                                                   row["shift"], mix, dup);
    cases.push_back({frechet_distance(statistics_of(x1), statistics_of(x2)), &row});
  }
  return cases;
}

// pytorch-fid computes sqrtm(S1 S2) with scipy; on well-conditioned statistics both routes are
// accurate to ~1e-12 relative, so 1e-6 leaves room for any BLAS while catching a wrong formula.
TEST(FrechetDistance, MatchesScipySqrtmWhenWellConditioned) {
  int checked = 0;
  for (const auto& [distance, row] : table_cases()) {
    if (!(*row)["well_conditioned"].get<bool>() || (*row)["name"] == "identical_d16") continue;
    const double expected = (*row)["fd_scipy"];
    EXPECT_NEAR(distance.value, expected, 1e-6 * expected) << (*row)["name"];
    EXPECT_FALSE(distance.rank_deficient) << (*row)["name"];
    ++checked;
  }
  EXPECT_EQ(checked, 5);
}

// Singular covariances: the true tr sqrt has zero eigenvalues whose rounding noise enters as
// sqrt(noise), so the bound is relative to the traces, the scale of every term.
TEST(FrechetDistance, StaysFiniteAndNonNegativeWhenCovarianceIsSingular) {
  int checked = 0;
  for (const auto& [distance, row] : table_cases()) {
    if ((*row)["well_conditioned"].get<bool>()) continue;
    const double bound = 1e-6 * (*row)["trace_sum"].get<double>();
    EXPECT_TRUE(std::isfinite(distance.value)) << (*row)["name"];
    EXPECT_GE(distance.value, 0.0) << (*row)["name"];
    EXPECT_NEAR(distance.value, (*row)["fd_eigh"].get<double>(), bound) << (*row)["name"];
    EXPECT_NEAR(distance.value, (*row)["fd_scipy"].get<double>(), bound) << (*row)["name"];
    const bool fewer_than_dim =
        std::min((*row)["n1"].get<int64_t>(), (*row)["n2"].get<int64_t>()) <=
        (*row)["dim"].get<int64_t>();
    EXPECT_EQ(distance.rank_deficient, fewer_than_dim) << (*row)["name"];
    ++checked;
  }
  EXPECT_EQ(checked, 3);
}

TEST(FrechetDistance, IsNearZeroWhenSetsAreIdentical) {
  for (const auto& [distance, row] : table_cases()) {
    if ((*row)["name"] != "identical_d16") continue;
    EXPECT_LE(distance.value, 1e-9 * (*row)["trace_sum"].get<double>());
    return;
  }
  FAIL() << "reference.json has no identical_d16 case";
}

TEST(FrechetDistance, ThrowsWhenWidthsDiffer) {
  const GaussianStatistics a = statistics_of(test::synthetic_features(10, 4, 1, 1, 0, 0, false));
  const GaussianStatistics b = statistics_of(test::synthetic_features(10, 5, 2, 1, 0, 0, false));
  EXPECT_THROW(frechet_distance(a, b), RuntimeError);
}

}  // namespace
}  // namespace vdit::eval
