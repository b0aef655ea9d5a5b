#include "tests/orchestrator/mpi_job.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "checkpoints/checkpoint_reader.h"

namespace vdit::testing {

namespace fs = std::filesystem;

void JobTest::SetUp() {
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  root_ =
      fs::temp_directory_path() / ("vdit_job_" + std::to_string(::getpid()) + "_" + test->name());
  fs::remove_all(root_);
  fs::create_directories(root_);
}

void JobTest::TearDown() { fs::remove_all(root_); }

JobResult run_job(const std::string& command, const fs::path& log) {
  const int status = std::system((command + " > " + log.string() + " 2>&1").c_str());
  std::stringstream output;
  output << std::ifstream(log).rdbuf();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output.str()};
}

std::string mpirun_vdit(int ranks, const std::string& mpirun_flags) {
  return "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1 mpirun "
         "--oversubscribe " +
         mpirun_flags + " -np " + std::to_string(ranks) + " " + VDIT_BINARY + " ";
}

pid_t find_rank_pid(int world_rank) {
  const std::string wanted = "OMPI_COMM_WORLD_RANK=" + std::to_string(world_rank) + '\0';
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code error;
    const auto exe = fs::read_symlink(entry.path() / "exe", error);
    if (error || exe.filename() != "vdit") continue;
    std::stringstream environment;
    environment << std::ifstream(entry.path() / "environ").rdbuf();
    if (environment.str().find(wanted) != std::string::npos) return std::stoi(name);
  }
  return -1;
}

std::map<std::string, std::vector<float>> latest_tensors(const fs::path& run_dir,
                                                         const std::string& prefix) {
  std::vector<std::string> warnings;
  const auto checkpoint =
      checkpoints::find_latest_checkpoint((run_dir / "checkpoints").string(), warnings);
  std::map<std::string, std::vector<float>> tensors;
  if (!checkpoint) return tensors;
  for (const auto& [name, shape] : checkpoints::list_tensors(*checkpoint)) {
    if (name.rfind(prefix, 0) == 0)
      tensors[name] = checkpoints::read_full_tensor(*checkpoint, name);
  }
  return tensors;
}

bool tensors_close(const std::map<std::string, std::vector<float>>& actual,
                   const std::map<std::string, std::vector<float>>& expected, double relative,
                   std::string* mismatch) {
  if (actual.size() != expected.size()) {
    *mismatch = "tensor counts differ: " + std::to_string(actual.size()) + " vs " +
                std::to_string(expected.size());
    return false;
  }
  for (const auto& [name, values] : expected) {
    const auto found = actual.find(name);
    if (found == actual.end() || found->second.size() != values.size()) {
      *mismatch = name + " is missing or has another size";
      return false;
    }
    double difference = 0, norm = 0;
    for (size_t i = 0; i < values.size(); ++i) {
      difference += (found->second[i] - values[i]) * (found->second[i] - values[i]);
      norm += values[i] * values[i];
    }
    if (std::sqrt(difference) > relative * std::sqrt(norm) + 1e-7) {
      *mismatch = name + ": |difference| " + std::to_string(std::sqrt(difference)) +
                  " vs |tensor| " + std::to_string(std::sqrt(norm));
      return false;
    }
  }
  return true;
}

}  // namespace vdit::testing
