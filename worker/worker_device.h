// The one device decision of a worker: the CPU, or GPU local_rank % device_count when
// training.device = "cuda". Made once at start-up and passed down; nothing below picks a device.
#pragma once

#include <torch/types.h>

#include <string>

#include "core/config.h"

namespace vdit {

// What this process can offer for training.device = "cuda".
struct CudaAvailability {
  bool built_with_cuda = false;  // LibTorch was built with CUDA (and vdit against it)
  int device_count = 0;          // GPUs this process sees (CUDA_VISIBLE_DEVICES applied)
};

// This LibTorch and this machine, as they are (asks the CUDA runtime for a device count only,
// which creates no context).
CudaAvailability probe_cuda();

// The local rank the launcher gave this process (OMPI_COMM_WORLD_LOCAL_RANK, else SLURM_LOCALID),
// 0 without a launcher. A variable that is not a non-negative integer is an InputError naming it.
int launcher_local_rank();

// Throws InputError naming `source` and training.device when it is "cuda" and `cuda` cannot
// serve it: "this LibTorch has no CUDA" (a CPU build) or "no GPU is visible" (a CUDA build on a
// machine without a usable GPU). Any other value is the config check's business.
void check_device_available(const TrainingConfig& training, const std::string& source,
                            const CudaAvailability& cuda);

// The device of the worker with `local_rank` on its node: torch::kCPU for "cpu", else CUDA device
// local_rank % device_count (after check_device_available).
torch::Device choose_worker_device(const TrainingConfig& training, const std::string& source,
                                   const CudaAvailability& cuda, int local_rank);

// "NVIDIA H200" for a CUDA device (as the driver names it), "cpu" for the CPU: the key of the
// datasheet peak table (worker/device_peak.h).
std::string device_name(torch::Device device);

// choose_worker_device with probe_cuda() and launcher_local_rank(); on CUDA it also makes the
// device current for this process (cuBLAS handles, NCCL and the caching allocator follow it).
torch::Device select_worker_device(const RunConfig& config);

}  // namespace vdit
