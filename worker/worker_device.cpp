#include "worker/worker_device.h"

#include <fmt/core.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "core/error.h"

#ifdef VDIT_TORCH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAFunctions.h>
#endif

namespace vdit {
namespace {

// nullopt when unset; an InputError naming the variable when set to anything but an integer >= 0.
std::optional<int> local_rank_variable(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  char* end = nullptr;
  const long parsed = std::strtol(value, &end, 10);
  if (*value == '\0' || *end != '\0' || parsed < 0 || parsed > 1 << 20) {
    throw InputError(
        fmt::format("environment variable {}: found \"{}\", expected the launcher's "
                    "local rank (an integer >= 0)",
                    name, value));
  }
  return static_cast<int>(parsed);
}

}  // namespace

CudaAvailability probe_cuda() {
  CudaAvailability cuda;
#ifdef VDIT_TORCH_CUDA
  cuda.built_with_cuda = true;
#endif
  cuda.device_count = static_cast<int>(torch::cuda::device_count());
  return cuda;
}

int launcher_local_rank() {
  if (const auto rank = local_rank_variable("OMPI_COMM_WORLD_LOCAL_RANK")) return *rank;
  if (const auto rank = local_rank_variable("SLURM_LOCALID")) return *rank;
  return 0;
}

void check_device_available(const TrainingConfig& training, const std::string& source,
                            const CudaAvailability& cuda) {
  if (training.device != "cuda") return;
  if (!cuda.built_with_cuda) {
    throw InputError(fmt::format(
        "{}: training.device: found \"cuda\", but this LibTorch has no CUDA (LibTorch {}, built "
        "for the CPU only); set training.device = \"cpu\", or build vdit against a CUDA LibTorch "
        "(scripts/setup with VDIT_TORCH_DIR, and -DVDIT_WITH_NCCL=ON for more than one GPU)",
        source, TORCH_VERSION));
  }
  if (cuda.device_count <= 0) {
    throw InputError(fmt::format(
        "{}: training.device: found \"cuda\", but no GPU is visible to this process (LibTorch {} "
        "has CUDA; check the driver with nvidia-smi and CUDA_VISIBLE_DEVICES), or set "
        "training.device = \"cpu\"",
        source, TORCH_VERSION));
  }
}

torch::Device choose_worker_device(const TrainingConfig& training, const std::string& source,
                                   const CudaAvailability& cuda, int local_rank) {
  check_device_available(training, source, cuda);
  if (training.device != "cuda") return torch::kCPU;
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(local_rank % cuda.device_count));
}

std::string device_name(torch::Device device) {
#ifdef VDIT_TORCH_CUDA
  if (device.is_cuda()) return at::cuda::getDeviceProperties(device.index())->name;
#endif
  return device.str();
}

torch::Device select_worker_device(const RunConfig& config) {
  if (config.training.device != "cuda") return torch::kCPU;  // a CPU run never asks CUDA anything
  const torch::Device device =
      choose_worker_device(config.training, config.source, probe_cuda(), launcher_local_rank());
#ifdef VDIT_TORCH_CUDA
  if (device.is_cuda()) c10::cuda::set_device(device.index());
#endif
  return device;
}

}  // namespace vdit
