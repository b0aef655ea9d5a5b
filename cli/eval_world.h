// The ranks an eval command runs on: MPI_COMM_WORLD under mpirun, this process alone otherwise.
#pragma once

#include <optional>

#include "parallel/communicator.h"
#include "parallel/mpi_environment.h"

namespace vdit::cli {

// Every rank is an eval worker (there is no coordinator): videos are split over all of them.
class EvalWorld {
 public:
  EvalWorld();
  const parallel::Communicator& group() const { return group_; }
  bool speaks() const { return group_.rank() == 0; }  // only rank 0 prints and writes

 private:
  std::optional<parallel::MpiEnvironment> mpi_;  // declared first: finalized after group_ goes
  parallel::Communicator group_;
};

}  // namespace vdit::cli
