#include "parallel/mesh.h"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <tuple>
#include <utility>
#include <vector>

namespace vdit::parallel {
namespace {

// The worked example in mesh.h, checked exactly.
TEST(Mesh, MatchesHeaderWorkedExampleWhenDp2Sp2Tp2) {
  const ParallelDims dims = ParallelDims::create(2, 2, 2, 8);
  const MeshCoords coords = mesh_coords(dims, 5);
  EXPECT_EQ(coords.dp_rank, 1);
  EXPECT_EQ(coords.sp_rank, 0);
  EXPECT_EQ(coords.tp_rank, 1);
  EXPECT_EQ(mesh_group(dims, 5, MeshAxis::kTp), (std::vector<int>{4, 5}));
  EXPECT_EQ(mesh_group(dims, 5, MeshAxis::kSp), (std::vector<int>{5, 7}));
  EXPECT_EQ(mesh_group(dims, 5, MeshAxis::kDp), (std::vector<int>{1, 5}));
  EXPECT_EQ(mesh_group(dims, 5, MeshAxis::kDpSp), (std::vector<int>{1, 3, 5, 7}));
  EXPECT_EQ(world_rank_of_worker(5), 6);
}

TEST(Mesh, PutsTpInnermostThenSpThenDp) {
  const ParallelDims dims = ParallelDims::create(2, 3, 2, 12);
  const std::vector<MeshCoords> expected = {
      {0, 0, 0}, {0, 0, 1}, {0, 1, 0}, {0, 1, 1}, {0, 2, 0}, {0, 2, 1},
      {1, 0, 0}, {1, 0, 1}, {1, 1, 0}, {1, 1, 1}, {1, 2, 0}, {1, 2, 1},
  };
  for (int worker = 0; worker < dims.worker_count(); ++worker) {
    EXPECT_EQ(mesh_coords(dims, worker), expected[worker]) << "worker " << worker;
  }
}

TEST(Mesh, RoundTripsEveryRankWhenShapesVary) {
  for (const auto& [dp, sp, tp] : std::vector<std::tuple<int, int, int>>{
           {1, 1, 1}, {4, 1, 1}, {1, 4, 1}, {1, 1, 4}, {2, 3, 4}, {3, 1, 2}, {5, 2, 1}}) {
    const ParallelDims dims = ParallelDims::create(dp, sp, tp, dp * sp * tp);
    std::set<std::tuple<int, int, int>> seen;
    for (int worker = 0; worker < dims.worker_count(); ++worker) {
      const MeshCoords coords = mesh_coords(dims, worker);
      EXPECT_EQ(mesh_worker_rank(dims, coords), worker) << dims.to_string();
      seen.insert({coords.dp_rank, coords.sp_rank, coords.tp_rank});
    }
    EXPECT_EQ(static_cast<int>(seen.size()), dims.worker_count()) << dims.to_string();
  }
}

TEST(Mesh, GroupsPartitionWorkersWithAxisSizedGroups) {
  const ParallelDims dims = ParallelDims::create(2, 3, 2, 12);
  const std::vector<std::pair<MeshAxis, int>> axes = {
      {MeshAxis::kTp, 2}, {MeshAxis::kSp, 3}, {MeshAxis::kDp, 2}, {MeshAxis::kDpSp, 6}};
  for (const auto& [axis, group_size] : axes) {
    for (int worker = 0; worker < dims.worker_count(); ++worker) {
      const std::vector<int> group = mesh_group(dims, worker, axis);
      ASSERT_EQ(static_cast<int>(group.size()), group_size) << to_string(axis);
      // Every member names the same group, so an MPI split colored by it is consistent.
      for (int member : group) EXPECT_EQ(mesh_group(dims, member, axis), group);
    }
  }
}

TEST(Mesh, ThrowsOutOfRangeWhenRankOrCoordinateOutsideMesh) {
  const ParallelDims dims = ParallelDims::create(2, 1, 2, 4);
  EXPECT_THROW(mesh_coords(dims, 4), std::out_of_range);
  EXPECT_THROW(mesh_coords(dims, -1), std::out_of_range);
  EXPECT_THROW(mesh_worker_rank(dims, {0, 1, 0}), std::out_of_range);
}

}  // namespace
}  // namespace vdit::parallel
