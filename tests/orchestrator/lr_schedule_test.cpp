#include "orchestrator/lr_schedule.h"

#include <gtest/gtest.h>

namespace vdit::orchestrator {
namespace {

TEST(LrSchedule, WarmsUpLinearlyThenDecaysToTheFloor) {
  const LrSchedule schedule{1.0, 10, 110, 0.1};
  EXPECT_DOUBLE_EQ(schedule.at(0), 0.1);
  EXPECT_DOUBLE_EQ(schedule.at(9), 1.0);
  EXPECT_DOUBLE_EQ(schedule.at(10), 1.0);
  EXPECT_NEAR(schedule.at(60), 0.55, 1e-12);  // half-way down the cosine
  EXPECT_DOUBLE_EQ(schedule.at(110), 0.1);
  EXPECT_DOUBLE_EQ(schedule.at(500), 0.1);
}

}  // namespace
}  // namespace vdit::orchestrator
