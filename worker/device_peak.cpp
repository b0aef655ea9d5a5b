#include "worker/device_peak.h"

#include "worker/worker_device.h"

#include <chrono>

namespace vdit {

double measured_matmul_flops_per_second(torch::Device device) {
  const int64_t n = 1024;
  const auto a = torch::randn({n, n}, torch::TensorOptions().device(device));
  const auto b = torch::randn({n, n}, torch::TensorOptions().device(device));
  auto c = torch::matmul(a, b);  // warm-up (BLAS thread pool, caches)
  double best_seconds = 1e30;
  for (int run = 0; run < 3; ++run) {
    const auto start = std::chrono::steady_clock::now();
    c = torch::matmul(a, b);
    (void)c.sum().item<float>();  // waits for the device
    best_seconds =
        std::min(best_seconds,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return 2.0 * n * n * n / best_seconds;
}

namespace {

struct DatasheetPeak {
  const char* name_part;  // matched against the CUDA device name, first match wins
  double bf16_tflops;
  double fp32_tflops;
};

// The variants before the family name ("H100 NVL" and "H100 PCIe" before "H100").
constexpr DatasheetPeak kDatasheetPeaks[] = {
    {"H200", 989.4, 66.9}, {"H100 NVL", 835.0, 59.9}, {"H100 PCIe", 756.0, 51.2},
    {"H100", 989.4, 66.9}, {"A100", 312.0, 19.5},     {"L40S", 362.05, 91.6},
};

}  // namespace

std::optional<double> datasheet_peak_flops(const std::string& device_name,
                                           const std::string& precision) {
  for (const DatasheetPeak& peak : kDatasheetPeaks) {
    if (device_name.find(peak.name_part) == std::string::npos) continue;
    return (precision == "bf16" ? peak.bf16_tflops : peak.fp32_tflops) * 1e12;
  }
  return std::nullopt;
}

double device_peak_flops(torch::Device device, const std::string& precision) {
  if (const auto datasheet = datasheet_peak_flops(device_name(device), precision)) {
    return *datasheet;
  }
  return measured_matmul_flops_per_second(device);
}

}  // namespace vdit
