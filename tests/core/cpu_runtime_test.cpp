#include "core/cpu_runtime.h"

#include <gtest/gtest.h>

namespace vdit {
namespace {

TEST(BetterOpenblasCore, PicksTheAvx512KernelsWhenOpenblasFellBackToSse3) {
  EXPECT_EQ(better_openblas_core("Prescott", {true, true}), "SkylakeX");
  EXPECT_EQ(better_openblas_core("prescott", {true, false}), "Haswell");
  EXPECT_EQ(better_openblas_core("Sandybridge", {true, false}), "Haswell");
}

TEST(BetterOpenblasCore, KeepsOpenblasChoiceWhenItAlreadyUsesTheCpu) {
  EXPECT_EQ(better_openblas_core("SkylakeX", {true, true}), std::nullopt);
  EXPECT_EQ(better_openblas_core("Cooperlake", {true, true}), std::nullopt);
  EXPECT_EQ(better_openblas_core("Zen", {true, false}), std::nullopt);
  EXPECT_EQ(better_openblas_core("Prescott", {false, false}), std::nullopt);  // nothing better
}

}  // namespace
}  // namespace vdit
