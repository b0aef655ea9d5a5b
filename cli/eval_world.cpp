#include "cli/eval_world.h"

#include <mpi.h>
#include <torch/torch.h>

#include "orchestrator/train_run.h"
#include "parallel/mpi/mpi_communicator.h"
#include "parallel/mpi_check.h"
#include "parallel/solo_communicator.h"

namespace vdit::cli {
namespace {

parallel::Communicator world_group(std::optional<parallel::MpiEnvironment>& mpi) {
  if (!orchestrator::launched_by_mpi()) return parallel::make_solo_communicator();
  mpi.emplace(parallel::MpiEnvironment::initialize(nullptr, nullptr));
  torch::set_num_threads(1);  // ranks share the cores (see ENVIRONMENT.md)
  MPI_Comm comm = MPI_COMM_NULL;
  MPI_CHECK(MPI_Comm_dup(MPI_COMM_WORLD, &comm));
  return parallel::MpiCommunicator::create(parallel::MpiCommunicatorHandle(comm));
}

}  // namespace

EvalWorld::EvalWorld() : group_(world_group(mpi_)) {}

}  // namespace vdit::cli
