// Built with -ffp-contract=off (worker/CMakeLists.txt): a fused multiply-add in the host reference
// would round once where the tensor ops round twice.
#include "worker/diffusion/device_noise.h"

#include <torch/torch.h>

#include <array>
#include <cmath>

#include "core/error.h"
#include "worker/diffusion/counter_noise.h"

namespace vdit::diffusion {
namespace {

// splitmix64's constants, as the int64 values with the same bits (the tensor path's dtype).
constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ULL;
constexpr uint64_t kMix1 = 0xBF58476D1CE4E5B9ULL;
constexpr uint64_t kMix2 = 0x94D049BB133111EBULL;

uint64_t splitmix64(uint64_t x) {
  x += kGolden;
  x = (x ^ (x >> 30)) * kMix1;
  x = (x ^ (x >> 27)) * kMix2;
  return x ^ (x >> 31);
}

int64_t as_signed(uint64_t bits) { return static_cast<int64_t>(bits); }

// The uint64 shift x >> s on int64 tensors: the arithmetic shift copies the sign bit into the top
// s bits, which the mask clears.
torch::Tensor logical_shift_right(const torch::Tensor& x, int shift) {
  return torch::bitwise_and(torch::bitwise_right_shift(x, shift), as_signed((~0ULL) >> shift));
}

// splitmix64 on int64 tensors. Two's-complement addition and multiplication keep the low 64 bits,
// the same bits as the uint64 arithmetic.
torch::Tensor splitmix64(torch::Tensor x) {
  x = x + as_signed(kGolden);
  x = torch::bitwise_xor(x, logical_shift_right(x, 30)) * as_signed(kMix1);
  x = torch::bitwise_xor(x, logical_shift_right(x, 27)) * as_signed(kMix2);
  return torch::bitwise_xor(x, logical_shift_right(x, 31));
}

constexpr double kSqrtHalf = 0.70710678118654752440;
constexpr double kLn2 = 0.69314718055994530942;
constexpr double kHalfPi = 1.57079632679489661923;
constexpr double kTwoToMinus52 = 0x1.0p-52;
constexpr double kTwoToMinus53 = 0x1.0p-53;

// ln m = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...), s = (m - 1)/(m + 1). For m in [sqrt(1/2),
// sqrt 2), |s| < 0.172 and s^2 < 0.0295: 12 terms leave under 1e-19.
constexpr int kLogTerms = 12;
// cos phi = 1 - phi^2/2! + phi^4/4! - ... For phi in [0, pi/2), phi^2 < 2.47: 13 terms leave
// under 1e-19.
constexpr int kCosTerms = 13;

std::array<double, kLogTerms> log_coefficients() {  // 1 / (2k + 1)
  std::array<double, kLogTerms> c{};
  for (int k = 0; k < kLogTerms; ++k) c[k] = 1.0 / (2 * k + 1);
  return c;
}

std::array<double, kCosTerms> cos_coefficients() {  // (-1)^k / (2k)!
  std::array<double, kCosTerms> c{};
  double factorial = 1;
  for (int k = 0; k < kCosTerms; ++k) {
    // Rounded past 18!, harmlessly: the host and the tensor paths share these constants.
    if (k > 0) factorial *= (2.0 * k - 1) * (2.0 * k);
    c[k] = (k % 2 == 0 ? 1.0 : -1.0) / factorial;
  }
  return c;
}

// The same arithmetic in the same order, on a double or on a float64 tensor: Horner's rule with
// separate products and sums (each rounded once).
template <class Value>
Value horner(const Value& x, const double* coefficients, int terms) {
  Value sum = x * 0.0 + coefficients[terms - 1];  // the constant, in x's type and shape
  for (int k = terms - 2; k >= 0; --k) sum = sum * x + coefficients[k];
  return sum;
}

// -2 ln u for u = m 2^e with m in [sqrt(1/2), sqrt 2) (the caller's frexp, adjusted).
template <class Value>
Value minus_two_log(const Value& mantissa, const Value& exponent) {
  static const auto coefficients = log_coefficients();
  const Value s = (mantissa - 1.0) / (mantissa + 1.0);
  const Value log_mantissa = s * horner(s * s, coefficients.data(), kLogTerms) * 2.0;
  return (log_mantissa + exponent * kLn2) * -2.0;
}

template <class Value>
Value cosine(const Value& phi) {
  static const auto coefficients = cos_coefficients();
  return horner(phi * phi, coefficients.data(), kCosTerms);
}

}  // namespace

float counter_normal(uint64_t seed, int64_t step, int64_t sample_index, int64_t element) {
  const uint64_t hash =
      counter_hash(seed, static_cast<uint64_t>(step), static_cast<uint64_t>(sample_index),
                   static_cast<uint64_t>(element));
  const double u = static_cast<double>((hash >> 11) + 1) * kTwoToMinus53;  // (0, 1]
  int exponent = 0;
  double mantissa = std::frexp(u, &exponent);  // [1/2, 1)
  if (mantissa < kSqrtHalf) {
    mantissa = mantissa * 2.0;
    exponent -= 1;
  }
  const double radius = std::sqrt(minus_two_log(mantissa, static_cast<double>(exponent)));
  const uint64_t angle_bits = splitmix64(hash);
  const double phi =
      static_cast<double>((angle_bits >> 11) & ((1ULL << 52) - 1)) * kTwoToMinus52 * kHalfPi;
  const double c = cosine(phi);
  return static_cast<float>(radius * ((angle_bits >> 63) != 0 ? -c : c));
}

torch::Tensor counter_token_noise(uint64_t seed, int64_t step,
                                  const std::vector<int64_t>& sample_indices, int64_t token_begin,
                                  int64_t count, int64_t token_dim, torch::Device device) {
  if (count < 0 || token_dim <= 0 || token_begin < 0) {
    throw RuntimeError("counter_token_noise: token_begin, count must be >= 0 and token_dim > 0");
  }
  const auto integers = torch::TensorOptions().dtype(torch::kInt64).device(device);
  // counter_hash(seed, step, sample, element) = splitmix64(key(sample) ^ element), where
  // key(sample) = splitmix64(splitmix64(splitmix64(seed) ^ step) ^ sample).
  const uint64_t step_key = splitmix64(splitmix64(seed) ^ static_cast<uint64_t>(step));
  const auto samples = torch::tensor(sample_indices, torch::kInt64).to(device);           // (n,)
  const auto sample_keys = splitmix64(torch::bitwise_xor(samples, as_signed(step_key)));  // (n,)
  const auto elements =
      torch::arange(token_begin * token_dim, (token_begin + count) * token_dim, integers);
  const auto hash = splitmix64(
      torch::bitwise_xor(sample_keys.view({-1, 1}), elements.view({1, -1})));  // (n, count * dim)

  const auto u = (logical_shift_right(hash, 11) + 1).to(torch::kFloat64) * kTwoToMinus53;
  auto [mantissa, exponent_int] = torch::frexp(u);
  auto exponent = exponent_int.to(torch::kFloat64);
  const auto small = mantissa < kSqrtHalf;
  mantissa = torch::where(small, mantissa * 2.0, mantissa);
  exponent = torch::where(small, exponent - 1.0, exponent);
  const auto radius = torch::sqrt(minus_two_log(mantissa, exponent));

  const auto angle_bits = splitmix64(hash);
  const auto phi =
      torch::bitwise_and(logical_shift_right(angle_bits, 11), as_signed((1ULL << 52) - 1))
          .to(torch::kFloat64) *
      kTwoToMinus52 * kHalfPi;
  const auto c = cosine(phi);
  const auto negative = logical_shift_right(angle_bits, 63).ne(0);
  const auto z = radius * torch::where(negative, -c, c);  // (n, count * dim) float64
  return z.to(torch::kFloat32)
      .view({static_cast<int64_t>(sample_indices.size()), count,
             token_dim});  // (n, count, token_dim)
}

}  // namespace vdit::diffusion
