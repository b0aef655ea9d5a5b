#include "orchestrator/run_directory.h"

#include <fmt/core.h>

#include <filesystem>
#include <fstream>

#include "core/config_io.h"
#include "core/error.h"

namespace vdit::orchestrator {

RunDirectory::RunDirectory(std::string root) : root_(std::move(root)) {
  std::error_code error;
  for (const std::string& folder : {root_, checkpoints(), samples(), logs()}) {
    std::filesystem::create_directories(folder, error);
    if (error)
      throw InputError(
          fmt::format("{}: cannot create the run folder: {}", folder, error.message()));
  }
}

void RunDirectory::write_config(const RunConfig& config) const {
  const std::string temporary = config_path() + ".tmp";
  {
    std::ofstream out(temporary);
    out << "# Resolved run config written by vdit (defaults, preset and --set overrides "
           "applied).\n";
    out << to_toml(config);
    if (!out) throw RuntimeError(fmt::format("{}: cannot write the resolved config", temporary));
  }
  std::filesystem::rename(temporary, config_path());
}

}  // namespace vdit::orchestrator
