// The peak FLOP/s that MFU divides by. On CPU there is no datasheet number for "this machine with
// this BLAS and these threads", so vdit measures a large fp32 matmul once at start-up.
#pragma once

#include <torch/types.h>

namespace vdit::orchestrator {

// FLOP/s of a 1024 x 1024 fp32 matmul on `device` (best of a few runs after a warm-up).
double measured_matmul_flops_per_second(torch::Device device);

}  // namespace vdit::orchestrator
