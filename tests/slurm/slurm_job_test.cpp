// `vdit submit / status / cancel` against a real single-node Slurm (label slurm): a run finishes;
// the warning signal mid-run requeues it and the resumed run equals a straight one bit for bit;
// time limits count against --max-requeues; cancel; the continuation job where requeue is refused.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "slurm/command_runner.h"
#include "slurm/job_records.h"
#include "slurm/slurm_client.h"
#include "tests/orchestrator/mpi_job.h"
#include "tests/slurm/hostile_names.h"
#include "tests/slurm/local_slurm.h"

namespace vdit {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using slurm::CommandResult;
using slurm::JobInfo;
using slurm::run_command;

// The tiny DiT of tests/orchestrator/mpi_job.h as a config file: 1 coordinator + 1 worker.
std::string tiny_config(int steps) {
  return "[model]\nhidden_size = 32\ndepth = 2\nnum_heads = 4\ncaption_length = 8\n"
         "[data]\nsynthetic_clips_per_bucket = 8\nsynthetic_buckets = [\"4x32x32\"]\n"
         "[training]\nglobal_batch = 4\nlog_every = 1\nsteps = " +
         std::to_string(steps) +
         "\n[diffusion]\ncontent_adaptive = false\n"
         "[checkpoint]\nasync = false\n";
}

std::string read(const fs::path& path) {
  std::stringstream text;
  text << std::ifstream(path).rdbuf();
  return text.str();
}

class SlurmLive : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why_not;
    slurm_ = testing::LocalSlurm::start(&why_not);
    if (!slurm_) GTEST_SKIP() << "no local Slurm: " << why_not;
    // What the jobs inherit through sbatch: MPI as root on a 2-core box, one BLAS thread.
    setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
    setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
    setenv("OMPI_MCA_rmaps_base_oversubscribe", "1", 1);
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    root_ = slurm_->folder() / "runs";
    fs::create_directories(root_);
  }

  void TearDown() override {
    if (HasFailure() && slurm_) {
      for (const auto& entry : fs::recursive_directory_iterator(root_)) {
        if (entry.path().filename().string().rfind("job-", 0) == 0)
          std::cerr << "--- " << entry.path() << "\n" << read(entry.path()) << "\n";
      }
    }
    slurm_.reset();
  }

  fs::path config(const std::string& name, int steps) {
    const fs::path path = root_ / (name + ".toml");
    std::ofstream(path) << tiny_config(steps);
    return path;
  }

  // `vdit submit`; returns the job id it printed.
  int64_t submit(const fs::path& config, const fs::path& run_dir,
                 std::vector<std::string> flags = {},
                 std::map<std::string, std::optional<std::string>> environment = {}) {
    std::vector<std::string> args = {"submit", config.string(), "--run-dir", run_dir.string()};
    args.insert(args.end(), flags.begin(), flags.end());
    const CommandResult result = run_command({VDIT_BINARY, args, "", environment});
    EXPECT_EQ(result.exit_code, 0) << result.err << result.out;
    std::smatch match;
    if (!std::regex_search(result.out, match, std::regex("submitted job ([0-9]+)"))) {
      ADD_FAILURE() << "no job id in: " << result.out;
      return 0;
    }
    return std::stoll(match[1]);
  }

  static std::optional<JobInfo> job(int64_t id) {
    const auto jobs = slurm::query_jobs({id});
    if (jobs.empty()) return std::nullopt;
    return jobs.front();
  }

  static std::string state_of(int64_t id) {
    const auto info = job(id);
    return info ? info->state : "GONE";
  }

  // Polls until `done` or `seconds` pass; false (and a failure naming `what`) on timeout.
  static bool wait_for(const std::function<bool()>& done, double seconds, const std::string& what) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    if (done()) return true;
    ADD_FAILURE() << "timed out after " << seconds << " s waiting for " << what;
    return false;
  }

  // Waits for `state`; gives up at once when the job reaches another final state.
  static bool wait_for_state(int64_t id, const std::string& state, double seconds) {
    std::string last;
    const bool reached = wait_for(
        [&] {
          last = state_of(id);
          const bool final = last == "COMPLETED" || last == "FAILED" || last == "CANCELLED" ||
                             last == "TIMEOUT" || last == "NODE_FAIL" || last == "OUT_OF_MEMORY";
          return last == state || final;
        },
        seconds, "job " + std::to_string(id) + " to be " + state);
    EXPECT_EQ(last, state) << "job " << id;
    return reached && last == state;
  }

  static size_t metrics_lines(const fs::path& run_dir) {
    std::ifstream in(run_dir / "metrics.jsonl");
    size_t lines = 0;
    for (std::string line; std::getline(in, line);) ++lines;
    return lines;
  }

  static void wait_for_training(const fs::path& run_dir, size_t steps) {
    wait_for([&] { return metrics_lines(run_dir) >= steps; }, 120,
             std::to_string(steps) + " logged steps in " + run_dir.string());
  }

  static std::vector<slurm::JobEvent> events(const fs::path& run_dir) {
    return slurm::JobRecords(run_dir.string()).events();
  }

  static std::string job_log(const fs::path& run_dir, int64_t id) {
    return read(run_dir / "slurm" / ("job-" + std::to_string(id) + ".log"));
  }

  static void signal_job(int64_t id, const std::string& signal) {
    const CommandResult sent = run_command({"scancel", {"--signal=" + signal, std::to_string(id)}});
    ASSERT_EQ(sent.exit_code, 0) << sent.err;
  }

  // A requeued job waits ~2 min for its BeginTime (CredExpire + 1): slurmd refuses to launch a
  // job whose credential is not newer, in whole seconds, than the revocation of the job's previous
  // allocation, and a refused batch launch fails the job. The tests start it 2 s after the
  // requeue instead: later than the revocation, whichever second the requeue fell in.
  static void start_now(int64_t id, const std::vector<std::string>& more = {}) {
    std::vector<std::string> args = {"update", "JobId=" + std::to_string(id), "StartTime=now+2"};
    args.insert(args.end(), more.begin(), more.end());
    const CommandResult updated = run_command({"scontrol", args});
    ASSERT_EQ(updated.exit_code, 0) << updated.err;
  }

  std::unique_ptr<testing::LocalSlurm> slurm_;
  fs::path root_;
};

TEST_F(SlurmLive, SubmittedRunFinishesInAHostileRunFolderWithMpirun) {
  const fs::path run = root_ / testing::hostile_run_name(root_.string());
  const int64_t id = submit(config("tiny", 4), run, {"--launcher", "mpirun"});
  ASSERT_GT(id, 0);
  ASSERT_TRUE(wait_for_state(id, "COMPLETED", 120)) << job_log(run, id);
  EXPECT_EQ(testing::latest_tensors(run).empty(), false);
  const auto ends = events(run);
  ASSERT_EQ(ends.size(), 1u);
  EXPECT_EQ(ends[0].outcome, "finished");
  EXPECT_EQ(ends[0].exit_code, 0);
  EXPECT_NE(job_log(run, id).find("done: 4 steps"), std::string::npos) << job_log(run, id);
  EXPECT_FALSE(fs::exists(root_ / "INJECTED")) << "a name in the job script ran a command";
  const CommandResult status = run_command({VDIT_BINARY, {"status", run.string(), "--json"}});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  const json parsed = json::parse(status.out);
  EXPECT_TRUE(parsed["live_jobs"].empty());
  EXPECT_EQ(parsed["jobs"][0]["state"], "COMPLETED");
  EXPECT_EQ(parsed["progress"]["step"], 4);
}

TEST_F(SlurmLive, WarningSignalMidRunRequeuesAndTheResumedRunEqualsAStraightOne) {
  const fs::path straight = root_ / "straight", interrupted = root_ / "interrupted";
  const fs::path tiny = config("tiny", 60);
  const int64_t straight_id = submit(tiny, straight);
  const int64_t id = submit(tiny, interrupted);
  ASSERT_GT(id, 0);
  wait_for_training(interrupted, 3);
  signal_job(id, "USR2");
  ASSERT_TRUE(wait_for(
      [&] {
        const auto info = job(id);
        return info && info->state == "PENDING" && info->restarts == 1;
      },
      90, "the requeued job pending with restart count 1"))
      << job_log(interrupted, id);
  const auto first = events(interrupted);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].outcome, "requeue");
  EXPECT_EQ(first[0].stop_kind, "preemption");  // long before any time limit: not counted
  EXPECT_FALSE(first[0].counted);
  EXPECT_EQ(first[0].path, "requeue");
  start_now(id);
  ASSERT_TRUE(wait_for_state(id, "COMPLETED", 120)) << job_log(interrupted, id);
  ASSERT_TRUE(wait_for_state(straight_id, "COMPLETED", 120)) << job_log(straight, straight_id);
  const std::string log = job_log(interrupted, id);
  EXPECT_NE(log.find("start 2 on"), std::string::npos) << log;  // one log, appended
  EXPECT_EQ(events(interrupted).back().outcome, "finished");
  // Model, EMA and AdamW state, every bit.
  const auto expected = testing::latest_tensors(straight, "");
  const auto actual = testing::latest_tensors(interrupted, "");
  ASSERT_FALSE(expected.empty());
  ASSERT_EQ(actual.size(), expected.size());
  for (const auto& [name, values] : expected) EXPECT_EQ(actual.at(name), values) << name;
}

TEST_F(SlurmLive, TimeLimitRequeuesCountAgainstMaxRequeuesAndZeroEndsTheJob) {
  // --time 1 with a 30 s lead: Slurm's 30 s tick sends the warning within the first half minute.
  // 1500 steps: more than this tiny run trains in 30 s on a fast machine (~500 measured), so the
  // warning always comes first; the requeued start then has 10 minutes to finish the rest.
  const fs::path budget = root_ / "budget-1", none = root_ / "budget-0";
  const fs::path long_run = config("long", 1500);
  const std::vector<std::string> short_time = {"--time", "1", "--signal-lead", "30"};
  std::vector<std::string> one = short_time, zero = short_time;
  one.insert(one.end(), {"--max-requeues", "1"});
  zero.insert(zero.end(), {"--max-requeues", "0"});
  const int64_t id = submit(long_run, budget, one);
  const int64_t zero_id = submit(long_run, none, zero);
  ASSERT_TRUE(wait_for([&] { return !events(budget).empty() && !events(none).empty(); }, 120,
                       "both jobs to stop on the time-limit warning"));
  const auto counted = events(budget).front();
  EXPECT_EQ(counted.outcome, "requeue") << counted.message;
  EXPECT_EQ(counted.stop_kind, "time-limit");
  EXPECT_TRUE(counted.counted);
  const auto ended = events(none).front();
  EXPECT_EQ(ended.outcome, "budget-spent") << ended.message;
  EXPECT_NE(ended.message.find("--max-requeues 0"), std::string::npos) << ended.message;
  ASSERT_TRUE(wait_for([&] { return state_of(zero_id) != "RUNNING"; }, 60, "the spent job to end"));
  const auto spent = job(zero_id);
  ASSERT_TRUE(spent);
  EXPECT_EQ(spent->restarts, 0);
  EXPECT_NE(spent->state, "PENDING");
  EXPECT_NE(job_log(none, zero_id).find("all --max-requeues 0 time-limit requeues spent"),
            std::string::npos);

  // The requeued one starts again at once with room to finish (the test's shortcut past the
  // BeginTime wait; a real job would get its full --time again).
  ASSERT_TRUE(wait_for(
      [&] {
        const auto info = job(id);
        return info && info->state == "PENDING" && info->restarts == 1;
      },
      60, "the time-limit requeue"));
  start_now(id, {"TimeLimit=10"});
  ASSERT_TRUE(wait_for_state(id, "COMPLETED", 420)) << job_log(budget, id);
  EXPECT_EQ(events(budget).back().outcome, "finished");
  EXPECT_EQ(slurm::JobRecords(budget.string()).counted_requeues(id), 1);
  EXPECT_NE(job_log(budget, id).find("resumed from"), std::string::npos) << job_log(budget, id);
}

TEST_F(SlurmLive, StatusShowsTheLiveJobAndGracefulCancelSavesWithoutRequeueing) {
  const fs::path graceful = root_ / "graceful", plain = root_ / "plain";
  const fs::path long_run = config("endless", 1000000);  // ends only by cancel, at any speed
  const int64_t id = submit(long_run, graceful);
  const int64_t plain_id = submit(long_run, plain);
  wait_for_training(graceful, 2);
  const CommandResult status = run_command({VDIT_BINARY, {"status", graceful.string()}});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("RUNNING"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("progress    stage 1 (all), step"), std::string::npos) << status.out;
  EXPECT_EQ(status.out.find("no live job"), std::string::npos) << status.out;

  const CommandResult cancel =
      run_command({VDIT_BINARY, {"cancel", graceful.string(), "--graceful"}});
  ASSERT_EQ(cancel.exit_code, 0) << cancel.err;
  ASSERT_TRUE(wait_for_state(id, "COMPLETED", 90)) << job_log(graceful, id);
  EXPECT_EQ(events(graceful).back().outcome, "cancelled");
  EXPECT_EQ(job(id)->restarts, 0);
  EXPECT_FALSE(testing::latest_tensors(graceful).empty()) << "no checkpoint saved on cancel";
  const CommandResult after = run_command({VDIT_BINARY, {"status", graceful.string()}});
  EXPECT_NE(after.out.find("no live job"), std::string::npos) << after.out;

  wait_for_training(plain, 1);
  const CommandResult killed = run_command({VDIT_BINARY, {"cancel", plain.string()}});
  ASSERT_EQ(killed.exit_code, 0) << killed.err;
  ASSERT_TRUE(wait_for_state(plain_id, "CANCELLED", 60));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(state_of(plain_id), "CANCELLED") << "a cancelled job came back";
  EXPECT_EQ(slurm::JobRecords(plain.string()).jobs().size(), 1u) << "a continuation was submitted";
}

TEST_F(SlurmLive, RefusedRequeueFallsBackToAContinuationJobThatFinishesTheRun) {
  const fs::path run = root_ / "no-requeue";
  // SBATCH_NO_REQUEUE overrides the script's --requeue: Slurm then refuses `scontrol requeue`, as
  // sites that forbid requeueing do.
  const int64_t id = submit(config("tiny", 60), run, {}, {{"SBATCH_NO_REQUEUE", "1"}});
  ASSERT_GT(id, 0);
  wait_for_training(run, 3);
  signal_job(id, "USR2");
  ASSERT_TRUE(wait_for([&] { return slurm::JobRecords(run.string()).jobs().size() == 2; }, 90,
                       "a continuation job"))
      << job_log(run, id);
  const auto jobs = slurm::JobRecords(run.string()).jobs();
  EXPECT_EQ(jobs[1].kind, "continuation");
  EXPECT_EQ(jobs[1].chain, id);
  EXPECT_NE(job_log(run, id).find("submitting a continuation job instead"), std::string::npos)
      << job_log(run, id);
  ASSERT_TRUE(wait_for_state(jobs[1].job_id, "COMPLETED", 120)) << job_log(run, jobs[1].job_id);
  EXPECT_EQ(events(run).back().outcome, "finished");
  EXPECT_NE(job_log(run, jobs[1].job_id).find("done: 60 steps"), std::string::npos);
}

}  // namespace
}  // namespace vdit
