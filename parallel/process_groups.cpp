#include "parallel/process_groups.h"

#include <fmt/core.h>

#include <memory>
#include <utility>

#include "core/error.h"
#include "parallel/mpi/mpi_communicator.h"
#include "parallel/mpi_check.h"
#include "parallel/mpi_communicator_handle.h"

#ifdef VDIT_WITH_NCCL
#include "parallel/device_routed_communicator.h"
#include "parallel/nccl/nccl_communicator.h"
#endif

namespace vdit::parallel {
namespace {

MpiCommunicatorHandle split(MPI_Comm parent, int color, int key) {
  MPI_Comm child = MPI_COMM_NULL;
  MPI_CHECK(MPI_Comm_split(parent, color, key, &child));
  return MpiCommunicatorHandle(child);
}

// Wraps an MPI communicator, adding NCCL for CUDA tensors when a device was asked for.
Communicator make_communicator(MpiCommunicatorHandle comm,
                               [[maybe_unused]] const ProcessGroupsOptions& options) {
  auto host = std::make_shared<MpiCommunicator>(std::move(comm));
#ifdef VDIT_WITH_NCCL
  if (options.cuda_device) {
    auto device = NcclCommunicator::bootstrap(host->comm(), *options.cuda_device);
    return Communicator(std::make_shared<DeviceRoutedCommunicator>(host, std::move(device)));
  }
#endif
  return Communicator(host);
}

}  // namespace

int ProcessGroups::worker_count(MPI_Comm world) {
  int world_size = 1;
  MPI_CHECK(MPI_Comm_size(world, &world_size));
  return world_size > 1 ? world_size - 1 : 1;
}

std::optional<ProcessGroups> ProcessGroups::create(MPI_Comm world, const ParallelDims& dims,
                                                   const ProcessGroupsOptions& options) {
#ifndef VDIT_WITH_NCCL
  if (options.cuda_device) {
    throw InputError(fmt::format(
        "CUDA device {} was requested but this vdit was built without NCCL; rebuild with "
        "-DVDIT_WITH_NCCL=ON or train on the CPU",
        *options.cuda_device));
  }
#endif
  // Every rank sees the same sizes, so every rank throws here together and none is left waiting
  // in a split.
  const ParallelDims checked =
      ParallelDims::create(dims.dp(), dims.sp(), dims.tp(), worker_count(world));
  int world_rank = 0;
  int world_size = 1;
  MPI_CHECK(MPI_Comm_rank(world, &world_rank));
  MPI_CHECK(MPI_Comm_size(world, &world_size));
  const bool single_process = world_size == 1;
  const bool is_worker = single_process || world_rank != kCoordinatorWorldRank;
  const int worker_rank = single_process ? 0 : world_rank - 1;

  // MPI_Comm_split is collective over `world`, so the coordinator joins with MPI_UNDEFINED.
  MpiCommunicatorHandle workers = split(world, is_worker ? 0 : MPI_UNDEFINED, world_rank);
  if (!is_worker) return std::nullopt;

  // Coloring by the group's first member puts exactly the mesh_group ranks together; keying by
  // worker rank orders them as mesh_group lists them.
  auto axis_comm = [&](MeshAxis axis) {
    const int color = mesh_group(checked, worker_rank, axis).front();
    return make_communicator(split(workers.get(), color, worker_rank), options);
  };
  // Same order on every worker: NCCL initialization blocks until the whole group arrives.
  Communicator tp = axis_comm(MeshAxis::kTp);
  Communicator sp = axis_comm(MeshAxis::kSp);
  Communicator dp = axis_comm(MeshAxis::kDp);
  Communicator dp_sp = axis_comm(MeshAxis::kDpSp);
  return ProcessGroups(checked, worker_rank, make_communicator(std::move(workers), options),
                       std::move(tp), std::move(sp), std::move(dp), std::move(dp_sp));
}

ProcessGroups::ProcessGroups(ParallelDims dims, int worker_rank, Communicator workers,
                             Communicator tp, Communicator sp, Communicator dp, Communicator dp_sp)
    : dims_(dims),
      worker_rank_(worker_rank),
      coords_(mesh_coords(dims, worker_rank)),
      workers_(std::move(workers)),
      tp_(std::move(tp)),
      sp_(std::move(sp)),
      dp_(std::move(dp)),
      dp_sp_(std::move(dp_sp)) {}

const Communicator& ProcessGroups::axis(MeshAxis axis) const {
  switch (axis) {
    case MeshAxis::kTp:
      return tp_;
    case MeshAxis::kSp:
      return sp_;
    case MeshAxis::kDp:
      return dp_;
    case MeshAxis::kDpSp:
      return dp_sp_;
  }
  throw RuntimeError("unknown mesh axis");
}

}  // namespace vdit::parallel
