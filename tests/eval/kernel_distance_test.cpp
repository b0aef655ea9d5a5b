#include "eval/kernel_distance.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "tests/eval/eval_fixtures.h"

namespace vdit::eval {
namespace {

// The reference cases have N1 = N2 <= 1000, so every clean-fid subset is the whole of both sets
// and the value is deterministic; kernel sums are O(m^2) terms of size ~1, hence the absolute
// part of the bound.
TEST(KernelDistance, MatchesCleanFidWhenSubsetsAreWholeSets) {
  int checked = 0;
  for (const auto& row : test::reference()["kid"]) {
    const auto dim = row["dim"].get<int64_t>();
    const at::Tensor x1 =
        test::synthetic_features(row["n1"], dim, row["seed1"], row["scale1"], 0.0, 0, false);
    const at::Tensor x2 = test::synthetic_features(row["n2"], dim, row["seed2"], row["scale2"],
                                                   row["shift"], 0, false);
    const KernelDistance kid = kernel_distance(x1, x2);
    const double expected = row["kid_mean"];
    EXPECT_NEAR(kid.mean, expected, 1e-10 + 1e-8 * std::abs(expected)) << row["name"];
    EXPECT_NEAR(kid.std, 0.0, 1e-10) << row["name"];
    EXPECT_EQ(kid.subset_size, row["n1"].get<int64_t>());
    EXPECT_EQ(kid.subsets, 100);
    ++checked;
  }
  EXPECT_EQ(checked, 3);
}

TEST(KernelDistance, DrawsSubsetsOfAThousandWhenSetsAreLarger) {
  const at::Tensor x1 = test::synthetic_features(1100, 4, 7, 1.0, 0.0, 0, false);
  const at::Tensor x2 = test::synthetic_features(1050, 4, 8, 1.0, 0.2, 0, false);
  KernelDistanceOptions options;
  options.subsets = 5;  // the subset logic, not the count, is under test
  const KernelDistance kid = kernel_distance(x1, x2, options);
  EXPECT_EQ(kid.subset_size, 1000);
  EXPECT_GT(kid.std, 0.0);
  // Subsets are a pure function of the seed.
  EXPECT_EQ(kernel_distance(x1, x2, options).mean, kid.mean);
  options.seed = 1;
  EXPECT_NE(kernel_distance(x1, x2, options).mean, kid.mean);
  // A shift of 0.2 per feature is far above the subset noise.
  EXPECT_GT(kid.mean, 5 * kid.std);
}

TEST(KernelDistance, RefusesWhenASetHasOneVector) {
  EXPECT_THROW(kernel_distance(at::ones({1, 3}), at::ones({5, 3})), InputError);
}

}  // namespace
}  // namespace vdit::eval
