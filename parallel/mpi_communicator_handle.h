// MpiCommunicatorHandle: move-only RAII owner of an MPI_Comm (freed on destruction).
#pragma once

#include <mpi.h>

#include <utility>

namespace vdit::parallel {

class MpiCommunicatorHandle {
 public:
  MpiCommunicatorHandle() = default;
  // Takes ownership of `comm`. MPI_COMM_WORLD, MPI_COMM_SELF and MPI_COMM_NULL are never freed, so
  // wrapping them is safe and gives one type for every communicator.
  explicit MpiCommunicatorHandle(MPI_Comm comm) : comm_(comm) {}

  MpiCommunicatorHandle(const MpiCommunicatorHandle&) = delete;
  MpiCommunicatorHandle& operator=(const MpiCommunicatorHandle&) = delete;
  MpiCommunicatorHandle(MpiCommunicatorHandle&& other) noexcept
      : comm_(std::exchange(other.comm_, MPI_COMM_NULL)) {}
  MpiCommunicatorHandle& operator=(MpiCommunicatorHandle&& other) noexcept {
    if (this != &other) {
      free_comm();
      comm_ = std::exchange(other.comm_, MPI_COMM_NULL);
    }
    return *this;
  }
  ~MpiCommunicatorHandle() { free_comm(); }

  MPI_Comm get() const { return comm_; }
  bool is_null() const { return comm_ == MPI_COMM_NULL; }

 private:
  // MPI_Comm_free only marks the communicator for deallocation; Open MPI returns without waiting
  // for the other members, so it cannot hang a destructor. After MPI_Finalize it must not be
  // called at all.
  void free_comm() noexcept {
    if (comm_ == MPI_COMM_NULL || comm_ == MPI_COMM_WORLD || comm_ == MPI_COMM_SELF) return;
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (finalized == 0) MPI_Comm_free(&comm_);
    comm_ = MPI_COMM_NULL;
  }

  MPI_Comm comm_ = MPI_COMM_NULL;
};

}  // namespace vdit::parallel
