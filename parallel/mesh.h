// Mesh: the rank arithmetic of the dp x sp x tp worker mesh, as pure functions.
#pragma once

#include <vector>

#include "parallel/parallel_dims.h"

namespace vdit::parallel {

// Worker rank w (0..N-1) <-> coordinates, tp innermost (adjacent ranks share a node, the fastest
// link, and tp talks the most), then sp, then dp:
//
//   w = (dp_rank * sp + sp_rank) * tp + tp_rank
//
// An axis group is the set of ranks that share the other two coordinates. The dp x sp group (ranks
// sharing tp_rank) holds identical copies of every tp shard, so it is where gradients of
// parameters replicated across dp and sp are summed.
//
// Worked example, dp=2 sp=2 tp=2 (8 workers):
//
//   worker   0       1       2       3       4       5       6       7
//   (dp,sp,tp) (0,0,0) (0,0,1) (0,1,0) (0,1,1) (1,0,0) (1,0,1) (1,1,0) (1,1,1)
//
//   worker 5 = (1, 0, 1):  tp group {4, 5}   (dp=1, sp=0)
//                          sp group {5, 7}   (dp=1, tp=1)
//                          dp group {1, 5}   (sp=0, tp=1)
//                          dp x sp group {1, 3, 5, 7}  (tp=1)
//
// World ranks: rank 0 is the coordinator, so worker w is world rank w + 1 in a launched job.

struct MeshCoords {
  int dp_rank = 0;
  int sp_rank = 0;
  int tp_rank = 0;

  friend bool operator==(const MeshCoords& a, const MeshCoords& b) {
    return a.dp_rank == b.dp_rank && a.sp_rank == b.sp_rank && a.tp_rank == b.tp_rank;
  }
  friend bool operator!=(const MeshCoords& a, const MeshCoords& b) { return !(a == b); }
};

enum class MeshAxis { kDp, kSp, kTp, kDpSp };

const char* to_string(MeshAxis axis);

// The two directions of the one mapping above. Out-of-range input throws std::out_of_range: it is
// a bug in the caller, not something a user typed (ParallelDims already validated the degrees).
MeshCoords mesh_coords(const ParallelDims& dims, int worker_rank);
int mesh_worker_rank(const ParallelDims& dims, const MeshCoords& coords);

// The worker ranks in `worker_rank`'s group along `axis`, ascending. A rank's position in this list
// is its rank in the axis communicator, and the first member identifies the group.
std::vector<int> mesh_group(const ParallelDims& dims, int worker_rank, MeshAxis axis);

constexpr int kCoordinatorWorldRank = 0;
inline int world_rank_of_worker(int worker_rank) { return worker_rank + 1; }

}  // namespace vdit::parallel
