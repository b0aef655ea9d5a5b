#include "checkpoints/retention.h"

#include <fmt/core.h>

#include <algorithm>
#include <filesystem>

#include "checkpoints/checkpoint_layout.h"
#include "checkpoints/durable_file.h"
#include "core/error.h"

namespace vdit::checkpoints {

namespace fs = std::filesystem;

namespace {

void remove_folder(const std::string& path) {
  std::error_code error;
  fs::remove_all(path, error);
  if (error) {
    throw RuntimeError(fmt::format("{}: cannot delete old checkpoint: {}", path, error.message()));
  }
}

}  // namespace

std::vector<int64_t> steps_to_keep(std::vector<int64_t> steps, int64_t keep_last,
                                   int64_t keep_every, int64_t latest_step) {
  std::sort(steps.begin(), steps.end(), std::greater<>());
  std::vector<int64_t> kept;
  int64_t newest_seen = 0;  // steps at or before `latest` counted so far toward keep_last
  for (const int64_t step : steps) {
    if (latest_step >= 0 && step > latest_step) continue;  // abandoned: takes no slot
    const bool newest = newest_seen++ < keep_last;
    const bool milestone = keep_every > 0 && step % keep_every == 0;
    if (newest || milestone || step == latest_step) kept.push_back(step);
  }
  return kept;
}

RetentionReport apply_retention(const std::string& root, int64_t keep_last, int64_t keep_every) {
  if (keep_last < 1 || keep_every < 0) {
    throw InputError(
        fmt::format("checkpoint retention: keep_last is {} (expected >= 1), "
                    "keep_every is {} (expected >= 0)",
                    keep_last, keep_every));
  }
  const std::vector<StepFolder> folders = list_step_folders(root);
  int64_t latest_step = -1;
  std::string latest_name;
  if (const std::optional<std::string> latest = read_latest_name(root)) {
    latest_step = parse_step_folder_name(*latest).value_or(-1);
    latest_name = *latest;
  }
  std::vector<int64_t> steps;
  for (const StepFolder& folder : folders) steps.push_back(folder.step);
  const std::vector<int64_t> kept = steps_to_keep(steps, keep_last, keep_every, latest_step);
  RetentionReport report;
  for (const StepFolder& folder : folders) {
    if (std::find(kept.begin(), kept.end(), folder.step) != kept.end()) continue;
    if (latest_step >= 0 && folder.step > latest_step) {
      // Moved, not deleted: after `--resume` of an older step these are the user's abandoned
      // branch; only they can tell whether it is worth keeping.
      const std::string aside = folder.path + kAbandonedSuffix;
      std::error_code error;
      if (fs::exists(aside, error)) remove_folder(aside);
      rename_durably(folder.path, aside);
      report.moved_aside.push_back(fmt::format(
          "{} is newer than {}/{} ({}): the run went on from an older step, so it was moved to "
          "{} (never loaded; delete it when no longer needed)",
          folder.path, root, kLatestFileName, latest_name, aside));
      continue;
    }
    // Rename first: a crash during remove_all then leaves a *.deleting folder (ignored by readers,
    // removed by the next save) instead of a step folder with files missing.
    const std::string doomed = folder.path + kDeletingSuffix;
    rename_durably(folder.path, doomed);
    remove_folder(doomed);
    report.deleted.push_back(folder.path);
  }
  return report;
}

}  // namespace vdit::checkpoints
