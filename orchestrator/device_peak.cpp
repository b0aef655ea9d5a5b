#include "orchestrator/device_peak.h"

#include <chrono>

namespace vdit::orchestrator {

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

}  // namespace vdit::orchestrator
