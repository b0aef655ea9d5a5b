// Runs the vdit binary under test (VDIT_BINARY) through the shell, for end-to-end tests.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace vdit::testing {

struct VditResult {
  int exit_code = -1;  // -1 when the shell did not exit normally
  std::string output;  // stdout and stderr together
};

// `vdit <arguments>`, in `working_dir` when one is given. The output goes through a log file named
// after this process, since ctest runs the tests of one binary in parallel processes.
inline VditResult run_vdit(const std::string& arguments, const std::string& working_dir = "") {
  namespace fs = std::filesystem;
  const std::string log =
      (fs::temp_directory_path() / ("vdit_test_" + std::to_string(::getpid()) + ".log")).string();
  const std::string in_dir = working_dir.empty() ? "" : "cd '" + working_dir + "' && ";
  const int status = std::system(
      (in_dir + std::string(VDIT_BINARY) + " " + arguments + " > " + log + " 2>&1").c_str());
  std::stringstream output;
  output << std::ifstream(log).rdbuf();
  fs::remove(log);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output.str()};
}

}  // namespace vdit::testing
