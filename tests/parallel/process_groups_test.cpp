// ProcessGroups under mpirun: world rank 0 is the coordinator and ranks 1..N the workers (N = 1
// when run without a launcher). Each axis communicator is checked by gathering its members'
// world ranks.
#include "parallel/process_groups.h"

#include <gtest/gtest.h>
#include <mpi.h>

#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "core/error.h"

namespace vdit::parallel {
namespace {

int world_rank() {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

int world_size() {
  int size = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return size;
}

// The world ranks of `communicator`'s members, in communicator rank order.
std::vector<int> member_world_ranks(const Communicator& communicator) {
  const torch::Tensor mine = torch::tensor({int64_t{world_rank()}}, torch::kInt64);
  const torch::Tensor gathered = communicator.all_gather(mine);
  return std::vector<int>(gathered.data_ptr<int64_t>(),
                          gathered.data_ptr<int64_t>() + gathered.numel());
}

std::vector<std::tuple<int, int, int>> factorizations(int workers) {
  std::vector<std::tuple<int, int, int>> shapes;
  for (int dp = 1; dp <= workers; ++dp) {
    for (int sp = 1; dp * sp <= workers; ++sp) {
      if (workers % (dp * sp) == 0) shapes.emplace_back(dp, sp, workers / (dp * sp));
    }
  }
  return shapes;
}

// Runs on every rank (coordinator included) and returns this worker's axis members in world
// ranks, indexed tp, sp, dp, dp x sp; empty on the coordinator.
std::vector<std::vector<int>> axis_members(int dp, int sp, int tp) {
  const ParallelDims dims =
      ParallelDims::create(dp, sp, tp, ProcessGroups::worker_count(MPI_COMM_WORLD));
  const std::optional<ProcessGroups> groups = ProcessGroups::create(MPI_COMM_WORLD, dims);
  if (!groups) return {};
  return {member_world_ranks(groups->tp()), member_world_ranks(groups->sp()),
          member_world_ranks(groups->dp()), member_world_ranks(groups->dp_sp())};
}

TEST(ProcessGroups, WorkerCountExcludesCoordinatorWhenLaunched) {
  const int expected = world_size() > 1 ? world_size() - 1 : 1;
  EXPECT_EQ(ProcessGroups::worker_count(MPI_COMM_WORLD), expected);
}

TEST(ProcessGroups, AxisMembersFollowMeshForEveryFactorization) {
  const int workers = ProcessGroups::worker_count(MPI_COMM_WORLD);
  const bool launched = world_size() > 1;
  for (const auto& [dp, sp, tp] : factorizations(workers)) {
    const ParallelDims dims = ParallelDims::create(dp, sp, tp, workers);
    const std::optional<ProcessGroups> groups = ProcessGroups::create(MPI_COMM_WORLD, dims);
    if (launched && world_rank() == kCoordinatorWorldRank) {
      EXPECT_FALSE(groups.has_value()) << "the coordinator belongs to no worker group";
      continue;
    }
    ASSERT_TRUE(groups.has_value());
    const int worker_rank = launched ? world_rank() - 1 : 0;
    EXPECT_EQ(groups->worker_rank(), worker_rank);
    EXPECT_EQ(groups->workers().rank(), worker_rank);
    EXPECT_EQ(groups->workers().size(), workers);
    EXPECT_EQ(groups->tp().rank(), groups->coords().tp_rank);
    EXPECT_EQ(groups->sp().rank(), groups->coords().sp_rank);
    EXPECT_EQ(groups->dp().rank(), groups->coords().dp_rank);
    for (const MeshAxis axis : {MeshAxis::kTp, MeshAxis::kSp, MeshAxis::kDp, MeshAxis::kDpSp}) {
      std::vector<int> expected;
      for (int member : mesh_group(dims, worker_rank, axis)) {
        expected.push_back(launched ? world_rank_of_worker(member) : 0);
      }
      EXPECT_EQ(member_world_ranks(groups->axis(axis)), expected)
          << dims.to_string() << " axis " << to_string(axis);
    }
  }
}

// 1 coordinator + 4 workers, members written out by hand (world ranks = worker ranks + 1).
TEST(ProcessGroups, AxisMembersMatchHandTableWhenFourWorkers) {
  if (world_size() != 5) GTEST_SKIP() << "needs mpirun -np 5";
  const int rank = world_rank();
  // dp=2, sp=2: workers 0..3 = (dp,sp) (0,0) (0,1) (1,0) (1,1).
  const auto dp2_sp2 = axis_members(2, 2, 1);
  // tp=2, sp=2: workers 0..3 = (sp,tp) (0,0) (0,1) (1,0) (1,1).
  const auto sp2_tp2 = axis_members(1, 2, 2);
  // dp=2, tp=2.
  const auto dp2_tp2 = axis_members(2, 1, 2);
  if (rank == kCoordinatorWorldRank) {
    EXPECT_TRUE(dp2_sp2.empty());
    return;
  }
  using Ranks = std::vector<int>;
  const bool low = rank <= 2;      // world ranks 1, 2 are the first half
  const bool odd = rank % 2 == 1;  // world ranks 1, 3
  // dp=2, sp=2: sp groups {1,2} {3,4}; dp groups {1,3} {2,4}; tp alone; dp x sp everyone.
  EXPECT_EQ(dp2_sp2[0], Ranks{rank});
  EXPECT_EQ(dp2_sp2[1], low ? Ranks({1, 2}) : Ranks({3, 4}));
  EXPECT_EQ(dp2_sp2[2], odd ? Ranks({1, 3}) : Ranks({2, 4}));
  EXPECT_EQ(dp2_sp2[3], Ranks({1, 2, 3, 4}));
  // sp=2, tp=2: tp groups {1,2} {3,4}; sp groups {1,3} {2,4}; dp alone; dp x sp = sp groups.
  EXPECT_EQ(sp2_tp2[0], low ? Ranks({1, 2}) : Ranks({3, 4}));
  EXPECT_EQ(sp2_tp2[1], odd ? Ranks({1, 3}) : Ranks({2, 4}));
  EXPECT_EQ(sp2_tp2[2], Ranks{rank});
  EXPECT_EQ(sp2_tp2[3], odd ? Ranks({1, 3}) : Ranks({2, 4}));
  // dp=2, tp=2: tp groups {1,2} {3,4}; dp groups {1,3} {2,4}; sp alone.
  EXPECT_EQ(dp2_tp2[0], low ? Ranks({1, 2}) : Ranks({3, 4}));
  EXPECT_EQ(dp2_tp2[1], Ranks{rank});
  EXPECT_EQ(dp2_tp2[2], odd ? Ranks({1, 3}) : Ranks({2, 4}));
}

TEST(ProcessGroups, SumOverDpSpGroupAddsReplicasOfOneTpShard) {
  const int workers = ProcessGroups::worker_count(MPI_COMM_WORLD);
  if (workers % 2 != 0) GTEST_SKIP() << "needs an even number of workers for tp=2";
  const ParallelDims dims = ParallelDims::create(workers / 2, 1, 2, workers);
  const auto groups = ProcessGroups::create(MPI_COMM_WORLD, dims);
  if (!groups) return;
  // Each replica of tp shard t holds 1 + t; the dp x sp sum counts the replicas: dp * (1 + t).
  const torch::Tensor gradient = torch::full({4}, 1.0 + groups->coords().tp_rank);
  groups->dp_sp().all_reduce_sum(gradient);
  EXPECT_TRUE(
      torch::equal(gradient, torch::full({4}, dims.dp() * (1.0 + groups->coords().tp_rank))));
}

TEST(ProcessGroups, CreateThrowsNamedErrorOnEveryRankWhenMeshDoesNotMatchWorkers) {
  const int workers = ProcessGroups::worker_count(MPI_COMM_WORLD);
  const ParallelDims for_more_workers = ParallelDims::create(workers + 1, 1, 1, workers + 1);
  try {
    ProcessGroups::create(MPI_COMM_WORLD, for_more_workers);
    FAIL() << "expected vdit::InputError";
  } catch (const InputError& error) {
    const std::string found = workers == 1
                                  ? "there is 1 worker rank"
                                  : "there are " + std::to_string(workers) + " worker ranks";
    EXPECT_EQ(std::string(error.what()), "dp(" + std::to_string(workers + 1) +
                                             ") x sp(1) x tp(1) = " + std::to_string(workers + 1) +
                                             " worker ranks, but " + found);
  }
  MPI_Barrier(MPI_COMM_WORLD);  // nobody was left inside a split
}

#ifndef VDIT_WITH_NCCL
TEST(ProcessGroups, CreateThrowsInputErrorWhenCudaRequestedWithoutNccl) {
  const int workers = ProcessGroups::worker_count(MPI_COMM_WORLD);
  ProcessGroupsOptions options;
  options.cuda_device = 0;
  EXPECT_THROW(
      ProcessGroups::create(MPI_COMM_WORLD, ParallelDims::create(workers, 1, 1, workers), options),
      InputError);
  MPI_Barrier(MPI_COMM_WORLD);
}
#endif

}  // namespace
}  // namespace vdit::parallel
