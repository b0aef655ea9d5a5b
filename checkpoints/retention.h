// Retention: which old checkpoints to delete after a save, and what to do with abandoned ones.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vdit::checkpoints {

// The steps to keep out of `steps`: the newest `keep_last` at or before `latest_step`, every
// multiple of `keep_every` (0 = none) at or before it, and `latest_step` itself. Steps newer than
// `latest_step` are never kept: they belong to a run that was resumed from an older checkpoint
// (or to a save interrupted before it updated `latest`), and the run will not load them. With no
// `latest` (-1) every step counts. Pure, for testing and dry runs.
std::vector<int64_t> steps_to_keep(std::vector<int64_t> steps, int64_t keep_last,
                                   int64_t keep_every, int64_t latest_step);

// Suffix of a step folder newer than `latest` moved aside by retention: never loaded, never
// removed by vdit (it may be a run the user wants back); delete it by hand.
inline constexpr const char* kAbandonedSuffix = ".abandoned";

// What apply_retention did, one line per folder, for the caller to print.
struct RetentionReport {
  std::vector<std::string> deleted;      // paths of old step folders removed
  std::vector<std::string> moved_aside;  // "step_N -> step_N.abandoned (why)" messages
};

// Applies steps_to_keep to the step_N folders under `root`: an older folder it does not keep is
// deleted; a folder newer than the step `latest` names is renamed to step_N.abandoned (replacing
// an older .abandoned copy of the same step) so it stops taking a keep_last slot and is never
// loaded. Never touches the folder `latest` names. A deleted folder is first renamed to
// step_N.deleting, so a crash mid-delete never leaves a half-deleted folder that looks like a
// checkpoint. keep_last must be >= 1 (InputError otherwise), keep_every >= 0. RuntimeError on I/O
// failure.
RetentionReport apply_retention(const std::string& root, int64_t keep_last, int64_t keep_every);

}  // namespace vdit::checkpoints
