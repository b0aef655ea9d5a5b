// MpiEnvironment: the one RAII owner of MPI_Init_thread / MPI_Finalize for a process.
#pragma once

#include <mpi.h>

namespace vdit::parallel {

// The thread level MPI granted. Collectives may only be called from several threads at once under
// kMultiple; under kFunneled only the thread that created the environment may call MPI.
enum class MpiThreadLevel { kSingle, kFunneled, kSerialized, kMultiple };

const char* to_string(MpiThreadLevel level);

class MpiEnvironment {
 public:
  // Initializes MPI asking for MPI_THREAD_MULTIPLE (so a background thread, e.g. a checkpoint
  // writer or heartbeat, may talk MPI) and accepts MPI_THREAD_FUNNELED or better. Sets
  // MPI_ERRORS_RETURN on MPI_COMM_WORLD so MPI_CHECK sees failures instead of MPI aborting.
  // Throws vdit::RuntimeError if MPI was already initialized in this process or grants less.
  // argc/argv may be null.
  static MpiEnvironment initialize(int* argc, char*** argv);

  MpiEnvironment(const MpiEnvironment&) = delete;
  MpiEnvironment& operator=(const MpiEnvironment&) = delete;
  MpiEnvironment(MpiEnvironment&& other) noexcept;
  // No move assignment: there is only ever one environment, so nothing to assign it to.
  MpiEnvironment& operator=(MpiEnvironment&&) = delete;
  // Calls MPI_Finalize (collective: every rank must reach it). Never throws.
  ~MpiEnvironment();

  int world_rank() const { return world_rank_; }
  int world_size() const { return world_size_; }
  MpiThreadLevel thread_level() const { return thread_level_; }
  // True when a launcher (mpirun, srun) started several processes: rank 0 is then the coordinator
  // and ranks 1..N the workers. False for a plain `vdit train`, whose one process plays both.
  bool launched() const { return world_size_ > 1; }

 private:
  MpiEnvironment(int world_rank, int world_size, MpiThreadLevel thread_level);

  bool owns_mpi_ = false;
  int world_rank_ = 0;
  int world_size_ = 1;
  MpiThreadLevel thread_level_ = MpiThreadLevel::kSingle;
};

}  // namespace vdit::parallel
