// A run lives in one folder: config.toml (resolved), metrics.jsonl, checkpoints/, samples/, logs/.
#pragma once

#include <string>

#include "core/config.h"

namespace vdit::orchestrator {

class RunDirectory {
 public:
  // Creates the folder and its subfolders if missing.
  explicit RunDirectory(std::string root);

  const std::string& root() const { return root_; }
  std::string config_path() const { return root_ + "/config.toml"; }
  std::string metrics_path() const { return root_ + "/metrics.jsonl"; }
  std::string checkpoints() const { return root_ + "/checkpoints"; }
  std::string samples() const { return root_ + "/samples"; }
  std::string logs() const { return root_ + "/logs"; }
  std::string data() const { return root_ + "/data"; }

  // Writes the resolved config (atomically: temp file + rename).
  void write_config(const RunConfig& config) const;

 private:
  std::string root_;
};

}  // namespace vdit::orchestrator
