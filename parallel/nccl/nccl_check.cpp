#include "parallel/nccl/nccl_check.h"

#include <fmt/core.h>

#include "core/error.h"

namespace vdit::parallel::detail {

void throw_nccl_error(ncclResult_t result, const char* call, const char* file, int line) {
  // ncclGetLastError(nullptr) holds NCCL's detailed text for the last failure on this thread
  // (e.g. which CUDA call failed inside ncclCommInitRank); the result string is generic.
  throw RuntimeError(fmt::format("{}:{}: {} failed: {} ({})", file, line, call,
                                 ncclGetErrorString(result), ncclGetLastError(nullptr)));
}

void throw_cuda_error(cudaError_t error, const char* call, const char* file, int line) {
  throw RuntimeError(fmt::format("{}:{}: {} failed: {} ({})", file, line, call,
                                 cudaGetErrorString(error), cudaGetErrorName(error)));
}

}  // namespace vdit::parallel::detail
