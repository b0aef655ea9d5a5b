// The peak FLOP/s that MFU divides by. On CPU there is no datasheet number for "this machine with
// this BLAS and these threads", so vdit measures a large fp32 matmul once at start-up; a known GPU
// is judged against its datasheet's dense (no sparsity) tensor-core peak.
#pragma once

#include <torch/types.h>

#include <optional>
#include <string>

namespace vdit {

// FLOP/s of a 1024 x 1024 fp32 matmul on `device` (best of a few runs after a warm-up).
double measured_matmul_flops_per_second(torch::Device device);

// The datasheet peak of a GPU named as CUDA names it ("NVIDIA H200", "NVIDIA H100 80GB HBM3",
// "NVIDIA A100-SXM4-80GB", ...) for training.precision "bf16" (dense bf16 tensor cores) or "fp32"
// (plain fp32, which LibTorch's matmuls use unless TF32 is allowed); nullopt for a GPU not in
// the table (then measure). Dense bf16 / fp32 TFLOP/s, from NVIDIA's datasheets:
//   H200 (SXM) 989 / 67     H100 SXM 989 / 67     H100 NVL 835 / 60     H100 PCIe 756 / 51
//   A100 (SXM and PCIe) 312 / 19.5                L40S 362 / 91.6
std::optional<double> datasheet_peak_flops(const std::string& device_name,
                                           const std::string& precision);

// What a worker's MFU divides by: the datasheet peak of `device` for `precision` where the table
// knows the device, else a matmul measured on it.
double device_peak_flops(torch::Device device, const std::string& precision);

}  // namespace vdit
