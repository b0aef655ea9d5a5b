#include "parallel/mpi_environment.h"

#include <utility>

#include "core/error.h"
#include "parallel/mpi_check.h"

namespace vdit::parallel {
namespace {

MpiThreadLevel thread_level_from_mpi(int provided) {
  if (provided >= MPI_THREAD_MULTIPLE) return MpiThreadLevel::kMultiple;
  if (provided >= MPI_THREAD_SERIALIZED) return MpiThreadLevel::kSerialized;
  if (provided >= MPI_THREAD_FUNNELED) return MpiThreadLevel::kFunneled;
  return MpiThreadLevel::kSingle;
}

}  // namespace

const char* to_string(MpiThreadLevel level) {
  switch (level) {
    case MpiThreadLevel::kSingle:
      return "MPI_THREAD_SINGLE";
    case MpiThreadLevel::kFunneled:
      return "MPI_THREAD_FUNNELED";
    case MpiThreadLevel::kSerialized:
      return "MPI_THREAD_SERIALIZED";
    case MpiThreadLevel::kMultiple:
      return "MPI_THREAD_MULTIPLE";
  }
  return "unknown";
}

MpiEnvironment MpiEnvironment::initialize(int* argc, char*** argv) {
  int already_initialized = 0;
  MPI_CHECK(MPI_Initialized(&already_initialized));
  if (already_initialized != 0) {
    // MPI can be initialized once per process; a second owner would finalize it under the first.
    throw RuntimeError("MPI is already initialized: create exactly one MpiEnvironment per process");
  }
  int provided = MPI_THREAD_SINGLE;
  MPI_CHECK(MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &provided));
  // From here on MPI must be finalized even if a later check throws.
  MpiEnvironment environment(0, 1, thread_level_from_mpi(provided));
  MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &environment.world_rank_));
  MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &environment.world_size_));
  if (environment.thread_level_ == MpiThreadLevel::kSingle) {
    throw RuntimeError(
        "this MPI library grants only MPI_THREAD_SINGLE; vdit needs MPI_THREAD_FUNNELED or better");
  }
  return environment;
}

MpiEnvironment::MpiEnvironment(int world_rank, int world_size, MpiThreadLevel thread_level)
    : owns_mpi_(true),
      world_rank_(world_rank),
      world_size_(world_size),
      thread_level_(thread_level) {}

MpiEnvironment::MpiEnvironment(MpiEnvironment&& other) noexcept
    : owns_mpi_(std::exchange(other.owns_mpi_, false)),
      world_rank_(other.world_rank_),
      world_size_(other.world_size_),
      thread_level_(other.thread_level_) {}

MpiEnvironment::~MpiEnvironment() {
  if (!owns_mpi_) return;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized == 0) MPI_Finalize();
}

}  // namespace vdit::parallel
