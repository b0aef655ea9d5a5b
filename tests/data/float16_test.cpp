// fp16 conversion (F16C on x86-64) against the bit patterns vdit's shards held before it: the
// hand-written converter it replaced gave exactly these values.
#include "data/float16.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

namespace vdit::data {
namespace {

uint32_t bits_of(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

TEST(Float16, ConvertsNormalsInfinitiesAndSignedZeroToKnownBits) {
  EXPECT_EQ(float_to_half(1.0f), 0x3c00);
  EXPECT_EQ(float_to_half(-2.0f), 0xc000);
  EXPECT_EQ(float_to_half(0.0f), 0x0000);
  EXPECT_EQ(float_to_half(-0.0f), 0x8000);
  EXPECT_EQ(float_to_half(65504.0f), 0x7bff);  // the largest half
  EXPECT_EQ(float_to_half(65519.0f), 0x7bff);  // below the halfway point to 65536
  EXPECT_EQ(float_to_half(65520.0f), 0x7c00);  // halfway: ties to even, which is Inf
  EXPECT_EQ(float_to_half(1e6f), 0x7c00);
  EXPECT_EQ(float_to_half(-std::numeric_limits<float>::infinity()), 0xfc00);
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -14)), 0x0400);  // the smallest normal half
}

TEST(Float16, RoundsTiesToEven) {
  EXPECT_EQ(float_to_half(1.0f + std::ldexp(1.0f, -11)), 0x3c00);      // 1 + half an ulp: down
  EXPECT_EQ(float_to_half(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);  // 1 + 1.5 ulp: up
  EXPECT_EQ(float_to_half(1.0f + std::ldexp(1.0f, -11) + std::ldexp(1.0f, -20)), 0x3c01);
}

TEST(Float16, KeepsSubnormalsAndRoundsThemToEven) {
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -24)), 0x0001);  // the smallest subnormal
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -25)), 0x0000);  // half of it: ties to even (0)
  EXPECT_EQ(float_to_half(std::ldexp(1.5f, -25)), 0x0001);  // above the tie
  EXPECT_EQ(float_to_half(std::ldexp(3.0f, -25)), 0x0002);  // 1.5 subnormal ulps: ties to even
  EXPECT_EQ(float_to_half(-std::ldexp(1023.0f, -24)), 0x83ff);  // the largest subnormal
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -30)), 0x0000);      // underflow
  EXPECT_EQ(half_to_float(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(half_to_float(0x83ff), -std::ldexp(1023.0f, -24));
}

TEST(Float16, KeepsNaNAndItsSign) {
  EXPECT_EQ(float_to_half(std::numeric_limits<float>::quiet_NaN()), 0x7e00);
  EXPECT_EQ(float_to_half(-std::numeric_limits<float>::quiet_NaN()), 0xfe00);
  EXPECT_EQ(bits_of(half_to_float(0x7e00)), 0x7fc00000u);
  EXPECT_EQ(bits_of(half_to_float(0xfe00)), 0xffc00000u);
  EXPECT_EQ(bits_of(half_to_float(0x7c00)), 0x7f800000u);  // Inf
  EXPECT_EQ(bits_of(half_to_float(0x8000)), 0x80000000u);  // -0
}

TEST(Float16, RoundTripsEveryHalfThatIsNotNaN) {
  for (uint32_t bits = 0; bits <= 0xffff; ++bits) {
    const auto half = static_cast<uint16_t>(bits);
    const float value = half_to_float(half);
    if (std::isnan(value)) continue;
    ASSERT_EQ(float_to_half(value), half) << std::hex << bits;
  }
}

}  // namespace
}  // namespace vdit::data
