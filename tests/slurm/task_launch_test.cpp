// A job task's rank, GPU and, on the coordinator, the signal passing and exit record.
#include "slurm/task_launch.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "core/error.h"

namespace vdit::slurm {
namespace {

namespace fs = std::filesystem;

TEST(TaskLaunch, MpirunRankWinsOverTheInheritedSlurmProcid) {
  TaskEnvironment environment;
  environment.slurm_procid = "0";  // the batch shell's, inherited by every mpirun rank
  environment.ompi_rank = "5";
  EXPECT_EQ(world_rank_of(environment), 5);
  environment.ompi_rank.reset();
  environment.pmix_rank = "3";
  EXPECT_EQ(world_rank_of(environment), 3);
  environment.pmix_rank.reset();
  EXPECT_EQ(world_rank_of(environment), 0);
  environment.slurm_procid.reset();
  EXPECT_THROW(world_rank_of(environment), RuntimeError);
}

TEST(TaskLaunch, WorkersOfTwoNodesOfFourGpusGetOneGpuEachAndTheCoordinatorNone) {
  // World ranks 1-4 on node 0, 5-8 on node 1 (the job script's layout).
  const std::optional<std::string> node_gpus = std::string("0,1,2,3");
  EXPECT_EQ(visible_devices_for(0, 4, 4, node_gpus), "");
  const char* expected[] = {"0", "1", "2", "3", "0", "1", "2", "3"};
  for (int rank = 1; rank <= 8; ++rank) {
    EXPECT_EQ(visible_devices_for(rank, 4, 4, node_gpus), expected[rank - 1]) << rank;
  }
  // Slurm's list may name other devices (cgroup-constrained nodes, partial allocations).
  EXPECT_EQ(visible_devices_for(2, 2, 2, std::string("4,6")), "6");
  EXPECT_EQ(visible_devices_for(3, 2, 2, std::nullopt), "0");
}

TEST(TaskLaunch, CpuJobLeavesTheDevicesAlone) {
  EXPECT_EQ(visible_devices_for(1, 1, 0, std::string("0")), std::nullopt);
}

TEST(TaskLaunch, RefusesAWorkerBeyondTheNodesGpus) {
  EXPECT_THROW(visible_devices_for(2, 2, 2, std::string("0")), RuntimeError);
}

TEST(TaskLaunch, CoordinatorPassesItsSignalOnAndRecordsExitCodeAndSignal) {
  const fs::path exit_file =
      fs::temp_directory_path() / ("vdit_task_exit_" + std::to_string(getpid()));
  unsetenv("OMPI_COMM_WORLD_RANK");
  unsetenv("PMIX_RANK");
  setenv("SLURM_PROCID", "0", 1);
  TaskRequest request;
  request.exit_file = exit_file.string();
  // Like vdit train: USR2 arrives blocked (exit 4 if not), a handler exits 75, then it unblocks.
  // It asks the wrapper, its parent, to pass one on.
  request.command = {"/usr/bin/python3", "-c",
                     "import os, signal, sys, time\n"
                     "if signal.SIGUSR2 not in signal.pthread_sigmask(signal.SIG_BLOCK, []): "
                     "sys.exit(4)\n"
                     "signal.signal(signal.SIGUSR2, lambda *_: sys.exit(75))\n"
                     "signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGUSR2])\n"
                     "os.kill(os.getppid(), signal.SIGUSR2)\n"
                     "time.sleep(10)\n"
                     "sys.exit(3)\n"};
  EXPECT_EQ(run_task(request), 75);
  const auto recorded = read_task_exit(exit_file.string());
  ASSERT_TRUE(recorded);
  EXPECT_EQ(recorded->exit_code, 75);
  EXPECT_EQ(recorded->signal, "USR2");
  EXPECT_GT(recorded->signal_time, 0);
  fs::remove(exit_file);
  unsetenv("SLURM_PROCID");
}

}  // namespace
}  // namespace vdit::slurm
