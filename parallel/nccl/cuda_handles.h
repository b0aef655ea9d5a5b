// Move-only RAII owners of the CUDA stream, event and device buffer the NCCL backend uses.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <utility>

#include "parallel/nccl/nccl_check.h"

namespace vdit::parallel {

// Owns a CUDA runtime handle of type Handle, released with Release; never throws, even after
// errors. One template instead of three copies of the same move-only boilerplate.
template <typename Handle, cudaError_t (*Release)(Handle)>
class CudaHandle {
 public:
  CudaHandle() = default;
  explicit CudaHandle(Handle handle) : handle_(handle) {}
  CudaHandle(const CudaHandle&) = delete;
  CudaHandle& operator=(const CudaHandle&) = delete;
  CudaHandle(CudaHandle&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  CudaHandle& operator=(CudaHandle&& other) noexcept {
    if (this != &other) {
      release();
      handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
  }
  ~CudaHandle() { release(); }

  Handle get() const { return handle_; }

 private:
  void release() noexcept {
    if (handle_ != nullptr) Release(handle_);  // errors here cannot be reported, only ignored
    handle_ = nullptr;
  }

  Handle handle_ = nullptr;
};

using CudaStream = CudaHandle<cudaStream_t, cudaStreamDestroy>;
using CudaEvent = CudaHandle<cudaEvent_t, cudaEventDestroy>;
using CudaDeviceBuffer = CudaHandle<void*, cudaFree>;

// Non-blocking: the stream does not implicitly wait for the legacy default stream, so ordering
// is explicit through events (see NcclCommunicator).
inline CudaStream make_cuda_stream() {
  cudaStream_t stream = nullptr;
  CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  return CudaStream(stream);
}

// Timing disabled: these events only order streams, and timing makes them slower.
inline CudaEvent make_cuda_event() {
  cudaEvent_t event = nullptr;
  CUDA_CHECK(cudaEventCreateWithFlags(&event, cudaEventDisableTiming));
  return CudaEvent(event);
}

inline CudaDeviceBuffer make_cuda_buffer(std::size_t bytes) {
  void* buffer = nullptr;
  CUDA_CHECK(cudaMalloc(&buffer, bytes));
  return CudaDeviceBuffer(buffer);
}

}  // namespace vdit::parallel
