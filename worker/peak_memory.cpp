#include "worker/peak_memory.h"

#include "core/host_memory.h"

#ifdef VDIT_TORCH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace vdit {

std::optional<int64_t> peak_memory_bytes(torch::Device device) {
  if (device.is_cpu()) return peak_resident_bytes();
#ifdef VDIT_TORCH_CUDA
  if (device.is_cuda()) {
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device.index());
    // Element 0 of each stat array is StatType::AGGREGATE (all pools), in every LibTorch since 1.9
    // (the enum moved namespaces in 2.x; its first value did not).
    return stats.allocated_bytes.front().peak;
  }
#endif
  return std::nullopt;
}

}  // namespace vdit
