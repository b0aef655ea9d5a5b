// A single-node Slurm (munged, slurmctld, slurmd) on this machine for the live tests: all state in
// a temporary folder, stopped by PID when destroyed.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

namespace vdit::testing {

class LocalSlurm {
 public:
  // Starts the daemons and points this process's SLURM_CONF at them (children inherit it).
  // nullptr with `why_not` set when they cannot start here (not root, not installed, a daemon
  // failed: its log is quoted).
  static std::unique_ptr<LocalSlurm> start(std::string* why_not);

  // Cancels every job still there, waits for them to end, stops the daemons by PID, removes the
  // folder (kept when VDIT_KEEP_SLURM is set).
  ~LocalSlurm();
  LocalSlurm(const LocalSlurm&) = delete;
  LocalSlurm& operator=(const LocalSlurm&) = delete;

  const std::filesystem::path& folder() const { return folder_; }

 private:
  explicit LocalSlurm(std::filesystem::path folder) : folder_(std::move(folder)) {}
  std::filesystem::path folder_;
};

}  // namespace vdit::testing
