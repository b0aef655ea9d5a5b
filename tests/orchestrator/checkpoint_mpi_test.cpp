// Checkpoints of `mpirun vdit train` end to end (label mpi): exact resume on the same mesh,
// resharded resume on another one, SIGKILL of any rank in the middle of saves, a corrupt shard.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include "checkpoints/checkpoint_layout.h"
#include "checkpoints/checkpoint_reader.h"
#include "tests/orchestrator/mpi_job.h"

namespace vdit {
namespace {

namespace fs = std::filesystem;
using testing::JobResult;
using testing::latest_tensors;
using testing::mpirun_vdit;
using testing::run_job;
using MpiCheckpoint = testing::JobTest;

// 12 steps in two stages (the boundary after step 8); checkpoints written in the background.
// Stage b changes the learning rate, not the loss: the temporal losses are approximate under
// sp > 1 (each rank sees only its frames), which would blur the cross-mesh comparison.
const std::string kTwelveSteps =
    testing::kTinyRunFlags +
    " --set 'curriculum.stages=[{name=\"a\", frames_min=4, frames_max=4, steps=8},"
    " {name=\"b\", frames_min=4, frames_max=4, steps=4, lr_scale=0.5}]'"
    " --set checkpoint.async=true";

std::string train(const fs::path& run_dir) { return "train --run-dir " + run_dir.string(); }

// The fused key biases have a true gradient of exactly 0, so Adam turns round-off into a drift
// that differs between meshes; every other tensor must match.
void drop_key_biases(std::map<std::string, std::vector<float>>& tensors) {
  for (auto it = tensors.begin(); it != tensors.end();) {
    const bool key_bias = it->first.find("qkv.bias") != std::string::npos ||
                          it->first.find("kv.bias") != std::string::npos;
    it = key_bias ? tensors.erase(it) : std::next(it);
  }
}

TEST_F(MpiCheckpoint, SameMeshResumeIsBitwiseEqualToAStraightRun) {
  const fs::path straight = root_ / "straight", resumed = root_ / "resumed";
  const std::string tp2 = " --set parallel.tp=2";
  const JobResult one =
      run_job(mpirun_vdit(3) + train(straight) + kTwelveSteps + tp2, root_ / "straight.log");
  ASSERT_EQ(one.exit_code, 0) << one.output;
  for (const char* stop : {" --set training.stop_after_steps=6", ""}) {
    const JobResult part =
        run_job(mpirun_vdit(3) + train(resumed) + kTwelveSteps + tp2 + stop, root_ / "resumed.log");
    ASSERT_EQ(part.exit_code, 0) << part.output;
  }
  // Model, EMA and AdamW state, every bit.
  const auto expected = latest_tensors(straight, ""), actual = latest_tensors(resumed, "");
  ASSERT_FALSE(expected.empty());
  ASSERT_EQ(expected.size(), actual.size());
  for (const auto& [name, values] : expected) EXPECT_EQ(actual.at(name), values) << name;
}

TEST_F(MpiCheckpoint, ResumeOnAnotherMeshAcrossAStageBoundaryMatchesOneRank) {
  const fs::path one = root_ / "one", mixed = root_ / "mixed";
  const JobResult single =
      run_job(std::string(VDIT_BINARY) + " " + train(one) + kTwelveSteps, root_ / "one.log");
  ASSERT_EQ(single.exit_code, 0) << single.output;
  // 6 steps on dp 2 x tp 2, then 6 more (through the stage boundary) on sp 2.
  const JobResult first = run_job(mpirun_vdit(5) + train(mixed) + kTwelveSteps +
                                      " --set training.stop_after_steps=6 --set parallel.dp=2"
                                      " --set parallel.tp=2",
                                  root_ / "first.log");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const JobResult second = run_job(
      mpirun_vdit(3) + train(mixed) + kTwelveSteps + " --set parallel.sp=2", root_ / "second.log");
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("resumed from"), std::string::npos) << second.output;
  EXPECT_NE(second.output.find("stage b done"), std::string::npos) << second.output;

  auto expected = latest_tensors(one), actual = latest_tensors(mixed);
  drop_key_biases(expected);
  drop_key_biases(actual);
  std::string mismatch;
  EXPECT_TRUE(testing::tensors_close(actual, expected, 1e-5, &mismatch)) << mismatch;
}

TEST_F(MpiCheckpoint, ZeroOneTrainsLikePlainDataParallelAndItsShardsResumeOnAnotherMesh) {
  const fs::path plain = root_ / "plain", zero = root_ / "zero", resharded = root_ / "resharded";
  const std::string dp2 = " --set parallel.dp=2", zero1 = " --set optimizer.zero1=true";
  const JobResult reference =
      run_job(mpirun_vdit(3) + train(plain) + kTwelveSteps + dp2, root_ / "plain.log");
  ASSERT_EQ(reference.exit_code, 0) << reference.output;
  for (const char* stop : {" --set training.stop_after_steps=6", ""}) {
    const JobResult part = run_job(mpirun_vdit(3) + train(zero) + kTwelveSteps + dp2 + zero1 + stop,
                                   root_ / "zero.log");
    ASSERT_EQ(part.exit_code, 0) << part.output;
    EXPECT_NE(part.output.find("ZeRO-1 shards the AdamW state over 2"), std::string::npos);
  }
  // Each parameter is updated by its owner and broadcast: the same bits as plain dp, and the
  // AdamW moments, split between the two files, reassemble to plain dp's.
  const auto expected = latest_tensors(plain, ""), actual = latest_tensors(zero, "");
  ASSERT_FALSE(expected.empty());
  ASSERT_EQ(expected.size(), actual.size());
  for (const auto& [name, values] : expected) EXPECT_EQ(actual.at(name), values) << name;
  const fs::path halfway = zero / "checkpoints" / "step_000000006";
  EXPECT_TRUE(fs::exists(halfway / "state-tp0-of-1.h5"));
  EXPECT_TRUE(fs::exists(halfway / "optim-dp1-sp0-tp0.h5"));

  // The ZeRO-1 checkpoint of step 6 resumes on tp 2 without ZeRO.
  const JobResult moved = run_job(mpirun_vdit(3) + train(resharded) + kTwelveSteps +
                                      " --set parallel.tp=2 --resume " + halfway.string(),
                                  root_ / "resharded.log");
  ASSERT_EQ(moved.exit_code, 0) << moved.output;
  auto plain_model = latest_tensors(plain), resharded_model = latest_tensors(resharded);
  drop_key_biases(plain_model);
  drop_key_biases(resharded_model);
  std::string mismatch;
  EXPECT_TRUE(testing::tensors_close(resharded_model, plain_model, 1e-5, &mismatch)) << mismatch;
}

// The step of the last line of metrics.jsonl: the last step the coordinator finished.
int64_t last_logged_step(const fs::path& run_dir) {
  std::ifstream metrics(run_dir / "metrics.jsonl");
  std::string line, last;
  while (std::getline(metrics, line)) last = line;
  std::smatch match;
  return std::regex_search(last, match, std::regex("\"step\":(\\d+)")) ? std::stoll(match[1]) : 0;
}

// The step of the checkpoint `latest` names, after checking it loads; -1 if there is none.
int64_t latest_loadable_step(const fs::path& checkpoints) {
  const auto name = checkpoints::read_latest_name(checkpoints.string());
  if (!name) return -1;
  EXPECT_EQ(name->find(checkpoints::kPartialSuffix), std::string::npos) << *name;
  return checkpoints::open_checkpoint((checkpoints / *name).string()).step;  // throws if broken
}

// True once the save of a step >= `step` is being written: its partial folder exists and changed
// since `since` (a killed run's leftover one is older, until the next save removes it).
bool save_in_progress(const fs::path& checkpoints, int64_t step, fs::file_time_type since) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(checkpoints, error)) {
    const std::string name = entry.path().filename();
    std::smatch match;
    std::error_code gone;  // the folder may be committed (renamed) while we look
    if (std::regex_match(name, match, std::regex("step_(\\d+)\\.partial")) &&
        std::stoll(match[1]) >= step && fs::last_write_time(entry.path(), gone) > since && !gone)
      return true;
  }
  return false;
}

TEST_F(MpiCheckpoint, KillingAnyRankDuringSavesLosesAtMostOneIntervalAndResumesExactly) {
  constexpr int64_t kEvery = 2, kSteps = 40;
  const std::string flags = testing::kTinyRunFlags +
                            " --set parallel.dp=2 --set training.steps=" + std::to_string(kSteps) +
                            " --set checkpoint.every_steps=" + std::to_string(kEvery) +
                            " --set parallel.heartbeat_timeout_s=3";
  const fs::path straight = root_ / "straight", killed = root_ / "killed";
  const fs::path checkpoints = killed / "checkpoints";
  std::mt19937 random(20261127);  // fixed: a failure replays with the same kill points
  int kills = 0;
  for (int round = 0; round < 8; ++round) {
    const int64_t resumed_at = std::max<int64_t>(latest_loadable_step(checkpoints), 0);
    const int victim = round % 2 == 0 ? 0 : 1 + static_cast<int>(random() % 2);  // coordinator
    // Kill during the save 1 to 3 intervals after the resume point, 0-120 ms after it began: a
    // save spans the background write (one step) and the commit, so this lands in every phase.
    const int64_t target = resumed_at + kEvery * static_cast<int64_t>(1 + random() % 3);
    const int delay_ms = static_cast<int>(random() % 120);
    const fs::path log = root_ / ("round" + std::to_string(round) + ".log");
    const auto launched = fs::file_time_type::clock::now();
    std::thread job(
        [&] { run_job("timeout 120 env " + mpirun_vdit(3) + train(killed) + flags, log); });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!save_in_progress(checkpoints, target, launched) &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    const pid_t pid = testing::find_rank_pid(victim);
    if (pid > 0 && kill(pid, SIGKILL) == 0) ++kills;
    job.join();

    // `latest` loads, and it is at most one interval behind the last step finished before the
    // kill, counting the save whose background write was still running (it commits before the
    // next save begins, so it may be one interval behind the last planned one).
    const int64_t logged = last_logged_step(killed);
    const int64_t latest = latest_loadable_step(checkpoints);
    const int64_t last_planned = logged / kEvery * kEvery;
    std::printf(
        "round %d: resumed at step %lld, killed world rank %d (pid %d) %d ms into the "
        "save of step %lld; last step done %lld, latest is step %lld\n",
        round, static_cast<long long>(resumed_at), victim, pid, delay_ms,
        static_cast<long long>(target), static_cast<long long>(logged),
        static_cast<long long>(latest));
    EXPECT_GE(latest, last_planned - kEvery)
        << "round " << round << ": killed world rank " << victim << " after step " << logged << "\n"
        << std::ifstream(log).rdbuf();
    if (latest == kSteps) break;  // the run finished before the kill landed
  }
  EXPECT_GE(kills, 4);
  const JobResult last = run_job(mpirun_vdit(3) + train(killed) + flags, root_ / "last.log");
  ASSERT_EQ(last.exit_code, 0) << last.output;
  const JobResult reference =
      run_job(mpirun_vdit(3) + train(straight) + flags, root_ / "straight.log");
  ASSERT_EQ(reference.exit_code, 0) << reference.output;
  const auto expected = latest_tensors(straight, ""), actual = latest_tensors(killed, "");
  ASSERT_FALSE(expected.empty());
  ASSERT_EQ(expected.size(), actual.size());
  for (const auto& [name, values] : expected) EXPECT_EQ(actual.at(name), values) << name;
}

TEST_F(MpiCheckpoint, CorruptShardIsReportedAndResumeFallsBackToThePreviousCheckpoint) {
  const fs::path run = root_ / "run";
  const std::string flags = kTwelveSteps + " --set parallel.tp=2 --set checkpoint.every_steps=2";
  const JobResult first = run_job(
      mpirun_vdit(3) + train(run) + flags + " --set training.stop_after_steps=6", root_ / "a.log");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const fs::path shard = run / "checkpoints" / "step_000000006" / "state-tp1-of-2.h5";
  ASSERT_TRUE(fs::exists(shard));
  {
    std::fstream file(shard, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(fs::file_size(shard) / 2));
    char byte = 0;
    file.read(&byte, 1);
    file.seekp(static_cast<std::streamoff>(fs::file_size(shard) / 2));
    byte = static_cast<char>(byte ^ 0x5a);
    file.write(&byte, 1);
  }
  const JobResult second = run_job(mpirun_vdit(3) + train(run) + flags, root_ / "b.log");
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("step_000000006"), std::string::npos) << second.output;
  EXPECT_NE(second.output.find("CRC"), std::string::npos) << second.output;
  EXPECT_NE(second.output.find("resumed from " + (run / "checkpoints" / "step_000000004").string()),
            std::string::npos)
      << second.output;
  EXPECT_NE(second.output.find("done: 12 steps"), std::string::npos) << second.output;
}

}  // namespace
}  // namespace vdit
