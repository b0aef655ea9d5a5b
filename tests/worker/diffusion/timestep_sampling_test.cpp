#include "worker/diffusion/timestep_sampling.h"

#include <gtest/gtest.h>

#include <cmath>

namespace vdit::diffusion {
namespace {

double share_at_or_above(int64_t first, double shift) {
  constexpr int kDraws = 10000;
  int above = 0;
  for (int i = 0; i < kDraws; ++i) {
    above += training_timestep((i + 0.5) / kDraws, 1000, shift) >= first;
  }
  return static_cast<double>(above) / kDraws;
}

TEST(TrainingTimestep, ShiftOneIsTheUniformDraw) {
  for (const double u : {0.0, 0.1234, 0.5, 0.999, 0.9999999}) {
    EXPECT_EQ(training_timestep(u, 1000, 1.0), static_cast<int64_t>(u * 1000)) << u;
  }
}

TEST(TrainingTimestep, ShiftAboveOneDrawsMoreHighNoiseTimesteps) {
  EXPECT_NEAR(share_at_or_above(600, 1.0), 0.40, 0.01);
  EXPECT_NEAR(share_at_or_above(600, 3.0), 2.0 / 3.0, 0.01);  // u >= 0.6 / (3 - 2 * 0.6)
  EXPECT_NEAR(share_at_or_above(900, 3.0), 0.25, 0.01);       // u >= 0.9 / (3 - 2 * 0.9)
  EXPECT_LT(share_at_or_above(600, 0.5), 0.40);
}

TEST(TrainingTimestep, StaysInRangeAndIsMonotonic) {
  int64_t previous = 0;
  for (int i = 0; i < 1000; ++i) {
    const double u = i / 1000.0;
    const int64_t t = training_timestep(u, 1000, 3.0);
    EXPECT_GE(t, previous);
    EXPECT_LT(t, 1000);
    previous = t;
  }
  EXPECT_EQ(training_timestep(0.0, 1000, 3.0), 0);
  EXPECT_EQ(training_timestep(std::nextafter(1.0, 0.0), 1000, 3.0), 999);
}

}  // namespace
}  // namespace vdit::diffusion
