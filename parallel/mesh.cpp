#include "parallel/mesh.h"

#include <fmt/core.h>

#include <stdexcept>

namespace vdit::parallel {
namespace {

void check_in_range(int value, int bound, const char* name) {
  if (value < 0 || value >= bound) {
    throw std::out_of_range(fmt::format("{} {} is outside [0, {})", name, value, bound));
  }
}

}  // namespace

const char* to_string(MeshAxis axis) {
  switch (axis) {
    case MeshAxis::kDp:
      return "dp";
    case MeshAxis::kSp:
      return "sp";
    case MeshAxis::kTp:
      return "tp";
    case MeshAxis::kDpSp:
      return "dp x sp";
  }
  return "unknown";
}

MeshCoords mesh_coords(const ParallelDims& dims, int worker_rank) {
  check_in_range(worker_rank, dims.worker_count(), "worker rank");
  MeshCoords coords;
  coords.tp_rank = worker_rank % dims.tp();
  coords.sp_rank = (worker_rank / dims.tp()) % dims.sp();
  coords.dp_rank = worker_rank / (dims.tp() * dims.sp());
  return coords;
}

int mesh_worker_rank(const ParallelDims& dims, const MeshCoords& coords) {
  check_in_range(coords.dp_rank, dims.dp(), "dp rank");
  check_in_range(coords.sp_rank, dims.sp(), "sp rank");
  check_in_range(coords.tp_rank, dims.tp(), "tp rank");
  return (coords.dp_rank * dims.sp() + coords.sp_rank) * dims.tp() + coords.tp_rank;
}

std::vector<int> mesh_group(const ParallelDims& dims, int worker_rank, MeshAxis axis) {
  const MeshCoords mine = mesh_coords(dims, worker_rank);
  std::vector<int> members;
  // Walking every worker in rank order keeps the list ascending and reuses the one mapping.
  for (int other = 0; other < dims.worker_count(); ++other) {
    const MeshCoords theirs = mesh_coords(dims, other);
    const bool same_dp = theirs.dp_rank == mine.dp_rank;
    const bool same_sp = theirs.sp_rank == mine.sp_rank;
    const bool same_tp = theirs.tp_rank == mine.tp_rank;
    bool member = false;
    switch (axis) {
      case MeshAxis::kTp:
        member = same_dp && same_sp;
        break;
      case MeshAxis::kSp:
        member = same_dp && same_tp;
        break;
      case MeshAxis::kDp:
        member = same_sp && same_tp;
        break;
      case MeshAxis::kDpSp:
        member = same_tp;
        break;
    }
    if (member) members.push_back(other);
  }
  return members;
}

}  // namespace vdit::parallel
