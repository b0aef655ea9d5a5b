#include "checkpoints/checkpoint_writer.h"

#include <fmt/core.h>

#include <filesystem>
#include <set>

#include "checkpoints/checkpoint_layout.h"
#include "checkpoints/durable_file.h"
#include "checkpoints/manifest.h"
#include "checkpoints/shard_file.h"
#include "core/error.h"

namespace vdit::checkpoints {

namespace fs = std::filesystem;

namespace {

void check_shard_names(const std::vector<ShardFile>& shards, const std::string& folder) {
  std::set<std::string> names;
  for (const ShardFile& shard : shards) {
    if (const std::string problem = shard_file_name_problem(shard.file_name); !problem.empty()) {
      throw RuntimeError(fmt::format("{}: {}", folder, problem));
    }
    if (!names.insert(shard.file_name).second) {
      throw RuntimeError(fmt::format("{}: shard file '{}' is given twice", folder,
                                     shard.file_name));
    }
  }
}

void create_root(const std::string& root) {
  std::error_code error;
  fs::create_directories(root, error);
  if (error || !fs::is_directory(root)) {
    throw RuntimeError(fmt::format("{}: cannot create the checkpoint folder: {}", root,
                                   error ? error.message() : "not a directory"));
  }
}

// Phases 2 and 3: shard files, then the manifest that makes the folder complete.
void write_partial_folder(const std::string& partial, const CheckpointMeta& meta,
                          const std::vector<ShardFile>& shards, const CommitPhaseHook& hook) {
  std::error_code error;
  if (!fs::create_directory(partial, error)) {
    throw RuntimeError(fmt::format("{}: cannot create folder: {}", partial,
                                   error ? error.message() : "it already exists"));
  }
  Manifest manifest{meta.step, meta.json_state, meta.config_toml, {}};
  // Fail on bad state JSON before spending time on the tensors.
  manifest_to_json(manifest);
  for (const ShardFile& shard : shards) {
    const std::string path = (fs::path(partial) / shard.file_name).string();
    write_shard_file(path, shard.tensors);
    fsync_path(path);
    const FileDigest digest = digest_file(path);
    manifest.files.push_back({shard.file_name, digest.size, digest.crc32});
  }
  if (hook) hook("files_written");
  write_file_durably((fs::path(partial) / kManifestFileName).string(), manifest_to_json(manifest));
  fsync_path(partial);
  if (hook) hook("manifest_written");
}

}  // namespace

std::string write_checkpoint(const std::string& root, const CheckpointMeta& meta,
                             const std::vector<ShardFile>& shards, const CommitPhaseHook& hook) {
  if (meta.step < 0) throw RuntimeError(fmt::format("{}: negative step {}", root, meta.step));
  const std::string folder_name = step_folder_name(meta.step);
  const std::string final_folder = (fs::path(root) / folder_name).string();
  const std::string partial = final_folder + kPartialSuffix;
  check_shard_names(shards, final_folder);
  create_root(root);
  remove_leftover_folders(root);

  try {
    write_partial_folder(partial, meta, shards, hook);
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(partial, ignored);  // a failed save leaves no debris; `latest` is untouched
    throw;
  }

  // Saving a step again (e.g. the final save right after a resume): move the old folder aside
  // only now, when the new one is complete. A crash between the two renames leaves `latest`
  // naming a missing folder; readers then fall back to the next older checkpoint.
  std::error_code error;
  if (fs::exists(final_folder, error)) {
    rename_durably(final_folder, final_folder + kDeletingSuffix);
  }
  rename_durably(partial, final_folder);
  if (hook) hook("renamed");
  replace_file_atomically((fs::path(root) / kLatestFileName).string(), folder_name + "\n");
  if (hook) hook("latest_replaced");
  fs::remove_all(final_folder + kDeletingSuffix, error);
  return final_folder;
}

}  // namespace vdit::checkpoints
