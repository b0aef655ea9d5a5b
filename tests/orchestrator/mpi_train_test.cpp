// `mpirun vdit train` end to end (label mpi): a bad mesh is refused before compute, a killed or
// stalled worker ends the job with a message, a signal stops every rank with a checkpoint.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "tests/orchestrator/mpi_job.h"

namespace vdit {
namespace {

namespace fs = std::filesystem;

const std::string kTiny = testing::kTinyRunFlags;

using testing::find_rank_pid;
using testing::JobResult;

std::string mpirun(int ranks, const std::string& mpirun_flags = "") {
  return testing::mpirun_vdit(ranks, mpirun_flags);
}
JobResult run(const std::string& command, const fs::path& log) {
  return testing::run_job(command, log);
}

using MpiTrain = testing::JobTest;

TEST_F(MpiTrain, MeshThatDoesNotFitTheRanksIsRefusedBeforeCompute) {
  const JobResult result = run(mpirun(4) + "train --run-dir " + (root_ / "bad").string() + kTiny +
                                   " --set parallel.dp=2 --set parallel.tp=2",
                               root_ / "bad.log");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(
      result.output.find("dp(2) x sp(1) x tp(2) = 4 worker ranks, but there are 3 worker ranks"),
      std::string::npos)
      << result.output;
  EXPECT_FALSE(fs::exists(root_ / "bad" / "metrics.jsonl"));
}

// Starts a long run on 1 coordinator + 2 workers, waits for training, sends `signal` to worker 1.
JobResult run_and_signal(const fs::path& root, int signal, const std::string& mpirun_flags = "") {
  const fs::path run_dir = root / "run", log = root / "run.log";
  const std::string command =
      mpirun(3, mpirun_flags) + "train --run-dir " + run_dir.string() + kTiny +
      " --set training.steps=100000 --set parallel.dp=2 --set parallel.heartbeat_timeout_s=3";
  std::thread launcher([&] { std::system((command + " > " + log.string() + " 2>&1").c_str()); });
  const auto start = std::chrono::steady_clock::now();
  while (!fs::exists(run_dir / "metrics.jsonl") &&
         std::chrono::steady_clock::now() - start < std::chrono::seconds(60)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const pid_t victim = find_rank_pid(2);  // worker 1
  if (victim > 0) kill(victim, signal);
  const auto signalled = std::chrono::steady_clock::now();
  launcher.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - signalled).count();
  if (victim > 0 && signal == SIGSTOP) kill(victim, SIGKILL);
  std::stringstream output;
  output << std::ifstream(log).rdbuf();
  return {victim > 0 && seconds < 30 ? 0 : -1, output.str()};
}

TEST_F(MpiTrain, StalledWorkerEndsTheJobWithAMessageNamingIt) {
  const JobResult result = run_and_signal(root_, SIGSTOP);
  EXPECT_EQ(result.exit_code, 0) << "the job did not end within 30 s of the stall\n"
                                 << result.output;
  // Depending on where the worker stopped, its silence shows as a missing report/heartbeat or as a
  // plan it does not take; either message names it.
  EXPECT_NE(result.output.find("worker 1 (world rank 2)"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("it died or stalled"), std::string::npos) << result.output;
}

TEST_F(MpiTrain, KilledWorkerEndsTheJobWithAMessageNamingIt) {
  // By default mpirun ends the job itself as soon as a rank dies, before vdit can say anything;
  // with recovery on (as with srun without --kill-on-bad-exit) the job lives on and vdit's own
  // watchdog must notice the dead worker, name it and end the job.
  const JobResult result = run_and_signal(root_, SIGKILL, "--mca orte_enable_recovery 1");
  EXPECT_EQ(result.exit_code, 0) << "the job did not end within 30 s of the kill\n"
                                 << result.output;
  EXPECT_NE(result.output.find("worker 1 (world rank 2) sent no report or heartbeat"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("it died or stalled; ending the job"), std::string::npos)
      << result.output;
}

TEST_F(MpiTrain, SigusrOneOnAWorkerStopsEveryRankWithACheckpoint) {
  const JobResult result = run_and_signal(root_, SIGUSR1);
  EXPECT_EQ(result.exit_code, 0) << "the job did not stop within 30 s of the signal\n"
                                 << result.output;
  EXPECT_NE(result.output.find("signal 10 received: stopping at step"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("Exit code:    75"), std::string::npos)
      << result.output;  // mpirun passes on 75
  EXPECT_TRUE(fs::exists(root_ / "run" / "checkpoints" / "latest"));
}

size_t occurrences(const std::string& text, const std::string& part) {
  size_t count = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
  return count;
}

TEST_F(MpiTrain, RestoreFailureOnTheWorkersIsPrintedOnceWithItsRankAndExitsTwo) {
  const std::string train =
      mpirun(3) + "train --run-dir " + (root_ / "run").string() + kTiny + " --set parallel.dp=2";
  const JobResult first = run(train + " --set training.steps=2", root_ / "first.log");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  // The same run resumed with a wider model: the checkpoint's tensors do not fit it.
  const JobResult resumed =
      run(train + " --set training.steps=4 --set model.hidden_size=48", root_ / "resumed.log");
  EXPECT_EQ(resumed.exit_code, 2) << resumed.output;
  EXPECT_EQ(occurrences(resumed.output, "vdit train: error on worker "), 1u) << resumed.output;
  EXPECT_NE(resumed.output.find("has shape"), std::string::npos) << resumed.output;
}

TEST_F(MpiTrain, PreflightProblemIsPrintedOnceByTheCoordinatorBeforeAnyModel) {
  const JobResult result =
      run(mpirun(3) + "train --check --run-dir " + (root_ / "run").string() + kTiny +
              " --set parallel.dp=2 --set training.global_batch=5",
          root_ / "check.log");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_EQ(occurrences(result.output, "vdit train: error on the coordinator (world rank 0): "
                                       "pre-flight found 1 problem before training"),
            1u)
      << result.output;
  EXPECT_NE(result.output.find("global_batch = 5 does not divide by parallel.dp = 2"),
            std::string::npos)
      << result.output;
}

TEST_F(MpiTrain, SameConfigErrorOnEveryRankIsPrintedOnce) {
  const JobResult result = run(mpirun(3) + "train --run-dir " + (root_ / "run").string() + kTiny +
                                   " --set parallel.dp=2 --set model.num_heads=3",
                               root_ / "bad.log");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_EQ(occurrences(result.output, "vdit train: error on every rank (world ranks 0-2): "), 1u)
      << result.output;
}

}  // namespace
}  // namespace vdit
