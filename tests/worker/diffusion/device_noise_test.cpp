#include "worker/diffusion/device_noise.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "worker/diffusion/counter_noise.h"

namespace vdit::diffusion {
namespace {

uint32_t bits_of(float value) {
  uint32_t bits = 0;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

// Sample indices past 2^32 and a seed with the top bit set exercise every bit of the hash.
const std::vector<int64_t> kSamples = {0, 7, 123456789012, 3};
constexpr uint64_t kSeed = 0xF00DFACE12345678ULL;

TEST(CounterTokenNoise, CpuTensorsEqualTheHostReferenceBitwise) {
  const int64_t begin = 5, count = 70, dim = 6;
  const auto noise = counter_token_noise(kSeed, 42, kSamples, begin, count, dim, torch::kCPU);
  ASSERT_EQ(noise.sizes(), (std::vector<int64_t>{4, count, dim}));
  ASSERT_EQ(noise.scalar_type(), torch::kFloat32);
  const auto values = noise.accessor<float, 3>();
  int64_t mismatches = 0;
  for (size_t i = 0; i < kSamples.size(); ++i) {
    for (int64_t t = 0; t < count; ++t) {
      for (int64_t j = 0; j < dim; ++j) {
        const float host = counter_normal(kSeed, 42, kSamples[i], (begin + t) * dim + j);
        mismatches += bits_of(values[i][t][j]) != bits_of(host);
      }
    }
  }
  EXPECT_EQ(mismatches, 0);
}

TEST(CounterTokenNoise, SequenceSliceEqualsTheRowsOfTheWholeSample) {
  const auto whole = counter_token_noise(kSeed, 3, kSamples, 0, 200, 5, torch::kCPU);
  const auto slice = counter_token_noise(kSeed, 3, kSamples, 70, 100, 5, torch::kCPU);
  EXPECT_TRUE(torch::equal(slice, whole.narrow(1, 70, 100)));
  EXPECT_FALSE(
      torch::equal(counter_token_noise(kSeed, 4, kSamples, 0, 200, 5, torch::kCPU), whole));
}

// The polynomials stand in for libm's log and cos: the same hash through std::log and std::cos
// must give the same float to within float rounding.
TEST(CounterTokenNoise, HostReferenceEqualsLibmBoxMullerToFloatPrecision) {
  double worst = 0;
  for (int64_t element = 0; element < 20000; ++element) {
    const uint64_t hash = counter_hash(kSeed, 9, 1, static_cast<uint64_t>(element));
    const double u = static_cast<double>((hash >> 11) + 1) * 0x1.0p-53;
    uint64_t angle_bits = hash + 0x9E3779B97F4A7C15ULL;  // splitmix64(hash)
    angle_bits = (angle_bits ^ (angle_bits >> 30)) * 0xBF58476D1CE4E5B9ULL;
    angle_bits = (angle_bits ^ (angle_bits >> 27)) * 0x94D049BB133111EBULL;
    angle_bits ^= angle_bits >> 31;
    const double phi =
        static_cast<double>((angle_bits >> 11) & ((1ULL << 52) - 1)) * 0x1.0p-52 * M_PI_2;
    const double expected =
        std::sqrt(-2 * std::log(u)) * std::cos(phi) * ((angle_bits >> 63) ? -1 : 1);
    const double found = counter_normal(kSeed, 9, 1, element);
    worst = std::max(worst, std::abs(found - expected) / std::max(1.0, std::abs(expected)));
  }
  EXPECT_LT(worst, 1e-7);  // float32 rounding is at most 6e-8 relative
}

// 2^18 values: the mean and variance of a standard normal within 5 standard errors, and the
// share of |z| < 1 and of z > 3 near 68.27% and 0.135%.
TEST(CounterTokenNoise, IsStandardNormal) {
  const auto z =
      counter_token_noise(kSeed, 0, {0, 1, 2, 3}, 0, 4096, 16, torch::kCPU).to(torch::kFloat64);
  const double n = static_cast<double>(z.numel());
  EXPECT_NEAR(z.mean().item<double>(), 0.0, 5 / std::sqrt(n));
  EXPECT_NEAR(z.var().item<double>(), 1.0, 5 * std::sqrt(2 / n));
  const double within_one = (z.abs() < 1).to(torch::kFloat64).mean().item<double>();
  EXPECT_NEAR(within_one, 0.682689, 5 * std::sqrt(0.6827 * 0.3173 / n));
  const double above_three = (z > 3).to(torch::kFloat64).mean().item<double>();
  EXPECT_NEAR(above_three, 0.0013499, 5 * std::sqrt(0.00135 / n));
}

}  // namespace
}  // namespace vdit::diffusion
