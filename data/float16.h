// IEEE 754 half precision <-> float conversion for latent tokens and caption embeddings.
#pragma once

#include <cstdint>

namespace vdit::data {

// The processor's F16C conversions (vcvtps2ph / vcvtph2ps) on x86-64; the compiler's _Float16
// elsewhere. Rounds to nearest even; values beyond the half range become +-Inf; subnormals are
// kept. NaN stays NaN with its sign (quieted; the top payload bits carried over).
uint16_t float_to_half(float value);
float half_to_float(uint16_t bits);

}  // namespace vdit::data
