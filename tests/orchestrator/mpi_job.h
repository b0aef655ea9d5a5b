// Helpers for the end-to-end tests that run the vdit binary, alone or under mpirun: run a command
// into a log, find a rank's process, read a run's latest checkpoint.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace vdit::testing {

// A tiny DiT on a small synthetic set of 4x32x32 clips, logging every step.
inline const std::string kTinyRunFlags =
    " --set model.hidden_size=32 --set model.depth=2 --set model.num_heads=4"
    " --set model.caption_length=8 --set data.synthetic_clips_per_bucket=8"
    " --set training.global_batch=4 --set training.log_every=1"
    " --set 'data.synthetic_buckets=[\"4x32x32\"]' --set diffusion.content_adaptive=false";

// A fresh temporary folder per test, removed afterwards.
class JobTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  std::filesystem::path root_;
};

struct JobResult {
  int exit_code = -1;  // -1 when the shell did not exit normally
  std::string output;  // stdout and stderr together
};

// Runs `command` through the shell with its output in `log` (kept for post-mortems).
JobResult run_job(const std::string& command, const std::filesystem::path& log);

// "mpirun ... <mpirun_flags> -np <ranks> <vdit> " with the environment a root CI box needs (one
// BLAS thread).
std::string mpirun_vdit(int ranks, const std::string& mpirun_flags = "");

// The PID of the vdit process whose environment says OMPI_COMM_WORLD_RANK=world_rank; -1 if none.
pid_t find_rank_pid(int world_rank);

// Every tensor of `run_dir`'s latest checkpoint whose name starts with `prefix`, reassembled.
std::map<std::string, std::vector<float>> latest_tensors(const std::filesystem::path& run_dir,
                                                         const std::string& prefix = "model/");

// sqrt(sum (a - b)^2) <= relative * sqrt(sum b^2) + 1e-7, with a message naming the worst tensor.
bool tensors_close(const std::map<std::string, std::vector<float>>& actual,
                   const std::map<std::string, std::vector<float>>& expected, double relative,
                   std::string* mismatch);

}  // namespace vdit::testing
