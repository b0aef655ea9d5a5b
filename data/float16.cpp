#include "data/float16.h"

#if defined(__x86_64__)
#include <immintrin.h>
#else
#include <cstring>
#endif

namespace vdit::data {

#if defined(__x86_64__)

// The F16C instructions (every x86-64 CPU since 2012), enabled for these two functions only, so no
// build flag is needed (the fuzz build compiles this file on its own).
__attribute__((target("f16c"))) uint16_t float_to_half(float value) {
  // An explicit rounding mode rather than MXCSR's, which a library could have changed.
  return static_cast<uint16_t>(_cvtss_sh(value, _MM_FROUND_TO_NEAREST_INT));
}

__attribute__((target("f16c"))) float half_to_float(uint16_t bits) { return _cvtsh_ss(bits); }

#else  // Arm and others: GCC and Clang convert _Float16 in hardware or in their runtime library

uint16_t float_to_half(float value) {
  const auto half = static_cast<_Float16>(value);
  uint16_t bits;
  std::memcpy(&bits, &half, sizeof bits);
  return bits;
}

float half_to_float(uint16_t bits) {
  _Float16 half;
  std::memcpy(&half, &bits, sizeof half);
  return static_cast<float>(half);
}

#endif

}  // namespace vdit::data
