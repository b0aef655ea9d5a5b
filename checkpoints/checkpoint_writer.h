// Saves a checkpoint with a two-phase commit, so a crash never leaves a half-written one "latest".
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "checkpoints/manifest.h"
#include "checkpoints/retention.h"  // apply_retention, declared with the writer it follows
#include "checkpoints/tensor_record.h"

namespace vdit::checkpoints {

// One HDF5 file of a checkpoint and the tensor pieces it holds.
struct ShardFile {
  std::string file_name;  // "model-tp0-of-1.h5": a plain name inside the checkpoint folder
  std::vector<TensorRecord> tensors;
};

// What the coordinator records next to the tensors.
struct CheckpointMeta {
  int64_t step = 0;
  // Coordinator state (stage, samples consumed, plateau tracker, mesh) as JSON object text,
  // opaque to this layer; stored under "state" in manifest.json. Empty means {}.
  std::string json_state;
  std::string config_toml;  // the run config, stored verbatim
};

// Called at each commit phase ("files_written", "manifest_written", "renamed",
// "latest_replaced") so tests can simulate a crash there. Empty in production.
using CommitPhaseHook = std::function<void(const char* phase)>;

// Writes the checkpoint of `meta.step` under `root` and returns its folder, <root>/step_<9 digits>.
//   1. removes leftover step_*.partial / step_*.deleting folders of an interrupted save;
//   2. writes every shard into step_N.partial/, fsyncs it, records its size and CRC-32;
//   3. writes manifest.json LAST and fsyncs it and the folder: only now is the folder complete;
//   4. renames step_N.partial to step_N and fsyncs root;
//   5. replaces <root>/latest atomically (latest.tmp, fsync, rename, fsync root).
// A crash anywhere leaves the previous checkpoint loadable and no partial folder that a reader
// would take for complete. A step folder that already exists is replaced (after step 3).
// Throws RuntimeError on I/O failure or inconsistent records, after removing step_N.partial;
// `latest` then still names the previous checkpoint.
std::string write_checkpoint(const std::string& root, const CheckpointMeta& meta,
                             const std::vector<ShardFile>& shards,
                             const CommitPhaseHook& hook = {});

// The same commit as building blocks, for a save spread over ranks: the coordinator calls
// begin_checkpoint, then (after a barrier) every rank writes its own files with
// write_shard_into, the coordinator gathers their ManifestFile entries and calls
// commit_checkpoint. On failure anywhere, the coordinator calls abort_checkpoint.
//
// Creates root, removes leftover *.partial / *.deleting folders, creates an empty
// <root>/step_N.partial and returns its path.
std::string begin_checkpoint(const std::string& root, int64_t step);
// Writes one shard file into the partial folder, fsyncs it, returns its name, size and CRC-32.
ManifestFile write_shard_into(const std::string& partial_folder, const ShardFile& shard);
// Phases 3 to 5: checks every listed file is there with its size, writes the manifest, renames
// the folder, replaces `latest`. Returns the final folder.
std::string commit_checkpoint(const std::string& root, const CheckpointMeta& meta,
                              std::vector<ManifestFile> files, const CommitPhaseHook& hook = {});
// Removes <root>/step_N.partial; never throws (it runs while another error is in flight).
void abort_checkpoint(const std::string& root, int64_t step) noexcept;

}  // namespace vdit::checkpoints
