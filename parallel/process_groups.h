// ProcessGroups: this worker's communicators (all workers, and one per mesh axis), built once.
#pragma once

#include <mpi.h>

#include <optional>

#include "parallel/communicator.h"
#include "parallel/mesh.h"
#include "parallel/parallel_dims.h"

namespace vdit::parallel {

struct ProcessGroupsOptions {
  // This worker's CUDA device. When set, each group also gets an NCCL communicator and CUDA
  // tensors travel over it (CPU tensors still use MPI). Needs a build with -DVDIT_WITH_NCCL=ON.
  std::optional<int> cuda_device;
};

class ProcessGroups {
 public:
  // Worker ranks in `world`: world size - 1 when a launcher started several processes (rank 0 is
  // the coordinator), else 1 (the single process is coordinator and worker at once).
  static int worker_count(MPI_Comm world);

  // Collective over `world` (usually MPI_COMM_WORLD): every rank, coordinator included, calls it
  // with the same dims. Checks dims against worker_count(world) before any split, throwing the
  // vdit::InputError that names every factor. Returns nullopt on the coordinator of a launched job,
  // which takes part in the split but belongs to no worker group.
  static std::optional<ProcessGroups> create(MPI_Comm world, const ParallelDims& dims,
                                             const ProcessGroupsOptions& options = {});

  const ParallelDims& dims() const { return dims_; }
  int worker_rank() const { return worker_rank_; }
  const MeshCoords& coords() const { return coords_; }

  // Every worker, ranked by worker rank.
  const Communicator& workers() const { return workers_; }
  // Ranks along one axis, ranked by worker rank, so a rank's axis rank is its mesh coordinate
  // (tp().rank() == coords().tp_rank, ...). dp_sp() reduces gradients of replicated parameters.
  const Communicator& tp() const { return tp_; }
  const Communicator& sp() const { return sp_; }
  const Communicator& dp() const { return dp_; }
  const Communicator& dp_sp() const { return dp_sp_; }
  const Communicator& axis(MeshAxis axis) const;

 private:
  ProcessGroups(ParallelDims dims, int worker_rank, Communicator workers, Communicator tp,
                Communicator sp, Communicator dp, Communicator dp_sp);

  ParallelDims dims_;
  int worker_rank_;
  MeshCoords coords_;
  Communicator workers_;
  Communicator tp_;
  Communicator sp_;
  Communicator dp_;
  Communicator dp_sp_;
};

}  // namespace vdit::parallel
