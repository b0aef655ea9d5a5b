// NCCL_CHECK, CUDA_CHECK: a failed call becomes a vdit::RuntimeError with file, line and message.
#pragma once

#include <cuda_runtime_api.h>
#include <nccl.h>

namespace vdit::parallel::detail {

[[noreturn]] void throw_nccl_error(ncclResult_t result, const char* call, const char* file,
                                   int line);
[[noreturn]] void throw_cuda_error(cudaError_t error, const char* call, const char* file, int line);

}  // namespace vdit::parallel::detail

#define NCCL_CHECK(call)                                                                  \
  do {                                                                                    \
    const ncclResult_t vdit_nccl_check_result = (call);                                   \
    if (vdit_nccl_check_result != ncclSuccess) {                                          \
      ::vdit::parallel::detail::throw_nccl_error(vdit_nccl_check_result, #call, __FILE__, \
                                                 __LINE__);                               \
    }                                                                                     \
  } while (false)

#define CUDA_CHECK(call)                                                                 \
  do {                                                                                   \
    const cudaError_t vdit_cuda_check_error = (call);                                    \
    if (vdit_cuda_check_error != cudaSuccess) {                                          \
      ::vdit::parallel::detail::throw_cuda_error(vdit_cuda_check_error, #call, __FILE__, \
                                                 __LINE__);                              \
    }                                                                                    \
  } while (false)
