// Retention: which old checkpoints to delete after a save.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vdit::checkpoints {

// The steps to keep out of `steps`: the newest `keep_last`, every multiple of `keep_every`
// (0 = none), and `latest_step` if there is one (-1 = none). Pure, for testing and dry runs.
std::vector<int64_t> steps_to_keep(std::vector<int64_t> steps, int64_t keep_last,
                                   int64_t keep_every, int64_t latest_step);

// Deletes every step_N folder under `root` that steps_to_keep does not keep. Never deletes the
// folder `latest` names. A folder is first renamed to step_N.deleting, so a crash mid-delete
// never leaves a half-deleted folder that looks like a checkpoint. keep_last must be >= 1
// (InputError otherwise), keep_every >= 0. RuntimeError on I/O failure.
void apply_retention(const std::string& root, int64_t keep_last, int64_t keep_every);

}  // namespace vdit::checkpoints
