#include "eval/feature_statistics.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "tests/eval/eval_fixtures.h"

namespace vdit::eval {
namespace {

double max_abs(const at::Tensor& x) { return x.abs().max().item<double>(); }

TEST(FeatureSums, StatisticsEqualFullMatrixWhenAddedInUnevenParts) {
  const at::Tensor x = test::synthetic_features(97, 6, 3, 2.0, 0.7, 5, false);
  FeatureSums first(6);
  first.add(x.slice(0, 0, 10));
  first.add(x.slice(0, 10, 11));
  FeatureSums second(6);
  second.add(x.slice(0, 11));
  first.merge(second);
  const GaussianStatistics statistics = first.statistics("parts");

  // Two-pass reference on the full matrix.
  const at::Tensor mean = x.mean(0);
  const at::Tensor centred = x - mean;
  const at::Tensor covariance = at::matmul(centred.t(), centred) / (x.size(0) - 1);
  EXPECT_EQ(statistics.count, 97);
  EXPECT_LE(max_abs(statistics.mean - mean), 1e-12 * max_abs(mean));
  EXPECT_LE(max_abs(statistics.covariance - covariance), 1e-12 * max_abs(covariance));
}

TEST(FeatureSums, RoundTripsThroughMeanAndCovariance) {
  const at::Tensor x = test::synthetic_features(40, 5, 9, 1.0, -0.3, 0, false);
  FeatureSums sums(5);
  sums.add(x);
  const GaussianStatistics statistics = sums.statistics("x");
  const GaussianStatistics again = FeatureSums::from_statistics(statistics).statistics("again");
  EXPECT_EQ(again.count, 40);
  EXPECT_LE(max_abs(again.covariance - statistics.covariance),
            1e-12 * max_abs(statistics.covariance));
}

TEST(FeatureSums, RefusesCovarianceWhenOneVector) {
  FeatureSums sums(3);
  sums.add(at::ones({1, 3}, at::kDouble));
  EXPECT_THROW(sums.statistics("one frame"), InputError);
}

}  // namespace
}  // namespace vdit::eval
