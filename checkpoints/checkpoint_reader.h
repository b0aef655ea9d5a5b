// Finds and verifies the checkpoint to resume from, falling back past damaged ones.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "checkpoints/loaded_checkpoint.h"
#include "checkpoints/tensor_assembly.h"  // read_full_tensor, list_tensors
#include "core/progress.h"

namespace vdit::checkpoints {

struct OpenOptions {
  // CRC-32 of every file against the manifest: reads every byte of the checkpoint. Worth it once
  // per resume, in the coordinator (find_latest_checkpoint / open_checkpoint before it sends the
  // folder to the workers); each worker then opens the same folder without it and reads only
  // its own slices (read_tensor_piece).
  bool verify_checksums = true;
  // Bytes verified, rate and ETA while the checksums are read (core/progress.h); null = silent.
  ProgressTarget progress;
};

// Verifies one checkpoint folder: manifest.json parses and matches the folder's step, every file
// it lists exists with the recorded size (and CRC-32, unless options say not to), every shard
// opens as HDF5 with the right format, and every tensor's pieces cover its global shape.
// InputError naming the folder and the problem otherwise.
LoadedCheckpoint open_checkpoint(const std::string& folder, const OpenOptions& options = {});

// The newest loadable checkpoint under `root`: tries the folder `latest` names first, then each
// older step_N folder, newest first, until one verifies. Each one skipped adds a line to
// `warnings` saying why (as does a step folder newer than `latest`, which an interrupted save
// may leave; it is not used). step_N.partial folders are never considered.
// nullopt if root holds no checkpoint at all (no `latest`, no step folder); InputError naming
// every folder tried and its problem if none is loadable.
// Each candidate is opened with `options`.
std::optional<LoadedCheckpoint> find_latest_checkpoint(const std::string& root,
                                                       std::vector<std::string>& warnings,
                                                       const OpenOptions& options = {});

}  // namespace vdit::checkpoints
