// The most memory this worker has held, for the per-step report: on a GPU the peak of the tensors
// LibTorch's caching allocator handed out, on the CPU the process's peak resident set (VmHWM).
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <optional>

namespace vdit {

// Bytes; nullopt where the number cannot be read (no /proc, or a CUDA device in a build whose
// LibTorch has no CUDA).
std::optional<int64_t> peak_memory_bytes(torch::Device device);

}  // namespace vdit
