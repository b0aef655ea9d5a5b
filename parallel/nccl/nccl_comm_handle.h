// NcclCommHandle: move-only RAII owner of an ncclComm_t, bootstrapped over an MPI communicator.
#pragma once

#include <mpi.h>
#include <nccl.h>

namespace vdit::parallel {

class NcclCommHandle {
 public:
  // Collective over `axis_comm`: its rank 0 creates the NCCL unique id, MPI_Bcast hands it to the
  // other ranks, and every rank joins on `cuda_device` with its MPI rank as its NCCL rank.
  static NcclCommHandle bootstrap(MPI_Comm axis_comm, int cuda_device);

  NcclCommHandle() = default;
  explicit NcclCommHandle(ncclComm_t comm) : comm_(comm) {}
  NcclCommHandle(const NcclCommHandle&) = delete;
  NcclCommHandle& operator=(const NcclCommHandle&) = delete;
  NcclCommHandle(NcclCommHandle&& other) noexcept;
  NcclCommHandle& operator=(NcclCommHandle&& other) noexcept;
  // Destroys a healthy communicator; aborts a broken one (see release()). Never throws.
  ~NcclCommHandle();

  ncclComm_t get() const { return comm_; }

 private:
  void release() noexcept;

  ncclComm_t comm_ = nullptr;
};

}  // namespace vdit::parallel
