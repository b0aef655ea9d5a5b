// The report `vdit ckpt inspect` prints for a verified checkpoint folder.
#pragma once

#include <string>

#include "checkpoints/loaded_checkpoint.h"

namespace vdit::checkpoints {

// Multi-line text: the folder and what was verified, the step, the coordinator state (stage,
// samples consumed, mesh, then the state JSON as stored), a config summary, every file with its
// size and CRC-32, a table of tensors (name, global shape, elements, pieces and the files they
// are in), and totals per group ("model", "ema", "optim/exp_avg", ...) with the parameter
// count (elements under model/) and float32 bytes. `checkpoint` must come from open_checkpoint
// (the manifest is read again for the file sizes and checksums). InputError if the manifest
// cannot be read; a config that does not parse is reported in the text, not thrown.
std::string summarize_checkpoint(const LoadedCheckpoint& checkpoint);

// "1,234,567"
std::string with_thousands(int64_t value);

}  // namespace vdit::checkpoints
