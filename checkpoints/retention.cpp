#include "checkpoints/retention.h"

#include <fmt/core.h>

#include <algorithm>
#include <filesystem>

#include "checkpoints/checkpoint_layout.h"
#include "checkpoints/durable_file.h"
#include "core/error.h"

namespace vdit::checkpoints {

namespace fs = std::filesystem;

std::vector<int64_t> steps_to_keep(std::vector<int64_t> steps, int64_t keep_last,
                                   int64_t keep_every, int64_t latest_step) {
  std::sort(steps.begin(), steps.end(), std::greater<>());
  std::vector<int64_t> kept;
  for (size_t index = 0; index < steps.size(); ++index) {
    const int64_t step = steps[index];
    const bool newest = static_cast<int64_t>(index) < keep_last;
    const bool milestone = keep_every > 0 && step % keep_every == 0;
    if (newest || milestone || step == latest_step) kept.push_back(step);
  }
  return kept;
}

void apply_retention(const std::string& root, int64_t keep_last, int64_t keep_every) {
  if (keep_last < 1 || keep_every < 0) {
    throw InputError(
        fmt::format("checkpoint retention: keep_last is {} (expected >= 1), "
                    "keep_every is {} (expected >= 0)",
                    keep_last, keep_every));
  }
  const std::vector<StepFolder> folders = list_step_folders(root);
  int64_t latest_step = -1;
  if (const std::optional<std::string> latest = read_latest_name(root)) {
    latest_step = parse_step_folder_name(*latest).value_or(-1);
  }
  std::vector<int64_t> steps;
  for (const StepFolder& folder : folders) steps.push_back(folder.step);
  const std::vector<int64_t> kept = steps_to_keep(steps, keep_last, keep_every, latest_step);
  for (const StepFolder& folder : folders) {
    if (std::find(kept.begin(), kept.end(), folder.step) != kept.end()) continue;
    // Rename first: a crash during remove_all then leaves a *.deleting folder (ignored by readers,
    // removed by the next save) instead of a step folder with files missing.
    const std::string doomed = folder.path + kDeletingSuffix;
    rename_durably(folder.path, doomed);
    std::error_code error;
    fs::remove_all(doomed, error);
    if (error) {
      throw RuntimeError(
          fmt::format("{}: cannot delete old checkpoint: {}", doomed, error.message()));
    }
  }
}

}  // namespace vdit::checkpoints
