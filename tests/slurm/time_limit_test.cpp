// Slurm's time-limit forms, and what is refused.
#include "slurm/time_limit.h"

#include <gtest/gtest.h>

namespace vdit::slurm {
namespace {

TEST(TimeLimit, ParsesEverySlurmForm) {
  EXPECT_EQ(parse_time_limit("30"), 30 * 60);
  EXPECT_EQ(parse_time_limit("30:15"), 30 * 60 + 15);
  EXPECT_EQ(parse_time_limit("2:00:00"), 2 * 3600);
  EXPECT_EQ(parse_time_limit("1-12"), 36 * 3600);
  EXPECT_EQ(parse_time_limit("1-12:30"), 36 * 3600 + 30 * 60);
  EXPECT_EQ(parse_time_limit("1-00:00:05"), 86400 + 5);
}

TEST(TimeLimit, RefusesMalformedText) {
  for (const char* text : {"", "1:2:3:4", "abc", "1h", "-5", "1-", "1-2:3:4:5", "10 ", "UNLIMITED",
                           "1:-2"}) {
    EXPECT_EQ(parse_time_limit(text), std::nullopt) << text;
  }
}

TEST(TimeLimit, FormatsAsHoursOrDays) {
  EXPECT_EQ(format_time_limit(90), "00:01:30");
  EXPECT_EQ(format_time_limit(36 * 3600 + 61), "1-12:01:01");
}

}  // namespace
}  // namespace vdit::slurm
