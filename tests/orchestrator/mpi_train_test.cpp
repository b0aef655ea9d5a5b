// `mpirun vdit train` end to end (label mpi): resume on another mesh gives the one-rank result, a
// bad mesh is refused before compute, and a killed or stalled worker ends the job with a message.
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

#include "checkpoints/checkpoint_reader.h"

namespace {

namespace fs = std::filesystem;

const std::string kTiny =
    " --set model.hidden_size=32 --set model.depth=2 --set model.num_heads=4 --set "
    "model.caption_length=8"
    " --set data.synthetic_clips_per_bucket=8 --set training.global_batch=4 --set "
    "training.log_every=1"
    " --set 'data.synthetic_buckets=[\"4x32x32\"]' --set diffusion.content_adaptive=false";

std::string mpirun(int ranks) {
  return "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1 mpirun "
         "--oversubscribe -np " +
         std::to_string(ranks) + " " + VDIT_BINARY + " ";
}

struct Result {
  int exit_code;
  std::string output;
};

Result run(const std::string& command, const fs::path& log) {
  const int status = std::system((command + " > " + log.string() + " 2>&1").c_str());
  std::stringstream output;
  output << std::ifstream(log).rdbuf();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output.str()};
}

class MpiTrain : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("vdit_mpi_train_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

std::map<std::string, std::vector<float>> model_tensors(const fs::path& run) {
  std::vector<std::string> warnings;
  const auto checkpoint =
      vdit::checkpoints::find_latest_checkpoint((run / "checkpoints").string(), warnings);
  std::map<std::string, std::vector<float>> tensors;
  for (const auto& [name, shape] : vdit::checkpoints::list_tensors(*checkpoint)) {
    if (name.rfind("model/", 0) == 0)
      tensors[name] = vdit::checkpoints::read_full_tensor(*checkpoint, name);
  }
  return tensors;
}

TEST_F(MpiTrain, ResumeOnAnotherMeshMatchesOneRank) {
  const fs::path one = root_ / "one", mixed = root_ / "mixed";
  ASSERT_EQ(run(std::string(VDIT_BINARY) + " train --run-dir " + one.string() + kTiny +
                    " --set training.steps=6",
                root_ / "one.log")
                .exit_code,
            0);
  // 3 steps on dp 2 x tp 2, then 3 more on sp 2 (another mesh, another number of ranks).
  const Result first = run(mpirun(5) + "train --run-dir " + mixed.string() + kTiny +
                               " --set training.steps=6 --set training.stop_after_steps=3 --set "
                               "parallel.dp=2 --set parallel.tp=2",
                           root_ / "first.log");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const Result second = run(mpirun(3) + "train --run-dir " + mixed.string() + kTiny +
                                " --set training.steps=6 --set parallel.sp=2",
                            root_ / "second.log");
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("resumed from"), std::string::npos) << second.output;

  const auto expected = model_tensors(one), actual = model_tensors(mixed);
  ASSERT_EQ(expected.size(), actual.size());
  for (const auto& [name, values] : expected) {
    double difference = 0, norm = 0;
    for (size_t i = 0; i < values.size(); ++i) {
      difference += (actual.at(name)[i] - values[i]) * (actual.at(name)[i] - values[i]);
      norm += values[i] * values[i];
    }
    const bool zero_true_gradient =
        name.find("kv.bias") != std::string::npos || name.find("qkv.bias") != std::string::npos;
    if (!zero_true_gradient)
      EXPECT_LE(std::sqrt(difference), 1e-5 * std::sqrt(norm) + 1e-7) << name;
  }
}

TEST_F(MpiTrain, MeshThatDoesNotFitTheRanksIsRefusedBeforeCompute) {
  const Result result = run(mpirun(4) + "train --run-dir " + (root_ / "bad").string() + kTiny +
                                " --set parallel.dp=2 --set parallel.tp=2",
                            root_ / "bad.log");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(
      result.output.find("dp(2) x sp(1) x tp(2) = 4 worker ranks, but there are 3 worker ranks"),
      std::string::npos)
      << result.output;
  EXPECT_FALSE(fs::exists(root_ / "bad" / "metrics.jsonl"));
}

// PID of the process whose environment says OMPI_COMM_WORLD_RANK=rank and runs the vdit binary.
pid_t find_rank(int rank) {
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream environ(entry.path() / "environ");
    std::stringstream content;
    content << environ.rdbuf();
    const std::string text = content.str();
    std::error_code error;
    const auto exe = fs::read_symlink(entry.path() / "exe", error);
    if (error || exe.filename() != "vdit") continue;
    if (text.find("OMPI_COMM_WORLD_RANK=" + std::to_string(rank) + std::string(1, '\0')) !=
        std::string::npos) {
      return std::stoi(name);
    }
  }
  return -1;
}

// Starts a long run on 1 coordinator + 2 workers, waits for training, sends `signal` to worker 1.
Result run_and_signal(const fs::path& root, int signal) {
  const fs::path run_dir = root / "run", log = root / "run.log";
  const std::string command =
      mpirun(3) + "train --run-dir " + run_dir.string() + kTiny +
      " --set training.steps=100000 --set parallel.dp=2 --set parallel.heartbeat_timeout_s=3";
  std::thread launcher([&] { std::system((command + " > " + log.string() + " 2>&1").c_str()); });
  const auto start = std::chrono::steady_clock::now();
  while (!fs::exists(run_dir / "metrics.jsonl") &&
         std::chrono::steady_clock::now() - start < std::chrono::seconds(60)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const pid_t victim = find_rank(2);  // worker 1
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
  const Result result = run_and_signal(root_, SIGSTOP);
  EXPECT_EQ(result.exit_code, 0) << "the job did not end within 30 s of the stall\n"
                                 << result.output;
  // Depending on where the worker stopped, its silence shows as a missing report/heartbeat or as a
  // plan it does not take; either message names it.
  EXPECT_NE(result.output.find("worker 1 (world rank 2)"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("it died or stalled"), std::string::npos) << result.output;
}

TEST_F(MpiTrain, KilledWorkerEndsTheJobInsteadOfHanging) {
  const Result result = run_and_signal(root_, SIGKILL);
  EXPECT_EQ(result.exit_code, 0) << "the job did not end within 30 s of the kill\n"
                                 << result.output;
  // mpirun notices the death first or the heartbeat does; either way the log names the rank.
  const bool named = result.output.find("world rank 2") != std::string::npos ||
                     result.output.find("rank 2") != std::string::npos;
  EXPECT_TRUE(named) << result.output;
}

}  // namespace

namespace {

TEST_F(MpiTrain, SigusrOneOnAWorkerStopsEveryRankWithACheckpoint) {
  const Result result = run_and_signal(root_, SIGUSR1);
  EXPECT_EQ(result.exit_code, 0) << "the job did not stop within 30 s of the signal\n"
                                 << result.output;
  EXPECT_NE(result.output.find("signal 10 received: stopping at step"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("Exit code:    75"), std::string::npos)
      << result.output;  // mpirun passes on 75
  EXPECT_TRUE(fs::exists(root_ / "run" / "checkpoints" / "latest"));
}

}  // namespace
