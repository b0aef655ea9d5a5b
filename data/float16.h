// IEEE 754 half precision <-> float conversion for latent tokens and caption embeddings.
#pragma once

#include <cstdint>

namespace vdit::data {

// Rounds to nearest even; values beyond the half range become +-Inf, NaN stays NaN.
uint16_t float_to_half(float value);
float half_to_float(uint16_t bits);

}  // namespace vdit::data
