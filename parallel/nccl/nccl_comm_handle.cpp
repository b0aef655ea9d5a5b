#include "parallel/nccl/nccl_comm_handle.h"

#include <cuda_runtime_api.h>

#include <exception>
#include <utility>

#include "parallel/mpi_check.h"
#include "parallel/nccl/nccl_check.h"

namespace vdit::parallel {

NcclCommHandle NcclCommHandle::bootstrap(MPI_Comm axis_comm, int cuda_device) {
  int rank = 0;
  int size = 1;
  MPI_CHECK(MPI_Comm_rank(axis_comm, &rank));
  MPI_CHECK(MPI_Comm_size(axis_comm, &size));
  // The result travels with the id so that if rank 0 cannot make one, every rank throws instead
  // of the others waiting forever in ncclCommInitRank.
  struct {
    ncclResult_t result = ncclSuccess;
    ncclUniqueId id = {};
  } root_id;
  if (rank == 0) root_id.result = ncclGetUniqueId(&root_id.id);
  MPI_CHECK(MPI_Bcast(&root_id, sizeof(root_id), MPI_BYTE, 0, axis_comm));
  NCCL_CHECK(root_id.result);
  CUDA_CHECK(cudaSetDevice(cuda_device));
  ncclComm_t comm = nullptr;
  NCCL_CHECK(ncclCommInitRank(&comm, size, root_id.id, rank));
  return NcclCommHandle(comm);
}

NcclCommHandle::NcclCommHandle(NcclCommHandle&& other) noexcept
    : comm_(std::exchange(other.comm_, nullptr)) {}

NcclCommHandle& NcclCommHandle::operator=(NcclCommHandle&& other) noexcept {
  if (this != &other) {
    release();
    comm_ = std::exchange(other.comm_, nullptr);
  }
  return *this;
}

NcclCommHandle::~NcclCommHandle() { release(); }

void NcclCommHandle::release() noexcept {
  if (comm_ == nullptr) return;
  // ncclCommDestroy first finishes the work queued on the communicator, which waits for peers. A
  // communicator with an asynchronous error, or one dropped while an exception unwinds (a peer may
  // be gone), is aborted instead: ncclCommAbort returns without waiting.
  ncclResult_t async_error = ncclSuccess;
  const bool healthy =
      ncclCommGetAsyncError(comm_, &async_error) == ncclSuccess && async_error == ncclSuccess;
  if (healthy && std::uncaught_exceptions() == 0) {
    ncclCommDestroy(comm_);
  } else {
    ncclCommAbort(comm_);
  }
  comm_ = nullptr;
}

}  // namespace vdit::parallel
