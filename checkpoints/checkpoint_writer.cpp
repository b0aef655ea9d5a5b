#include "checkpoints/checkpoint_writer.h"

#include <fmt/core.h>

#include <filesystem>
#include <set>

#include "checkpoints/checkpoint_layout.h"
#include "checkpoints/durable_file.h"
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
      throw RuntimeError(
          fmt::format("{}: shard file '{}' is given twice", folder, shard.file_name));
    }
  }
}

std::string partial_folder_of(const std::string& root, int64_t step) {
  return (fs::path(root) / step_folder_name(step)).string() + kPartialSuffix;
}

}  // namespace

std::string begin_checkpoint(const std::string& root, int64_t step) {
  if (step < 0) throw RuntimeError(fmt::format("{}: cannot save negative step {}", root, step));
  std::error_code error;
  fs::create_directories(root, error);
  if (error || !fs::is_directory(root)) {
    throw RuntimeError(fmt::format("{}: cannot create the checkpoint folder: {}", root,
                                   error ? error.message() : "not a directory"));
  }
  remove_leftover_folders(root);
  const std::string partial = partial_folder_of(root, step);
  if (!fs::create_directory(partial, error)) {
    throw RuntimeError(fmt::format("{}: cannot create folder: {}", partial,
                                   error ? error.message() : "it already exists"));
  }
  return partial;
}

ManifestFile write_shard_into(const std::string& partial_folder, const ShardFile& shard) {
  if (const std::string problem = shard_file_name_problem(shard.file_name); !problem.empty()) {
    throw RuntimeError(fmt::format("{}: {}", partial_folder, problem));
  }
  const std::string path = (fs::path(partial_folder) / shard.file_name).string();
  write_shard_file(path, shard.tensors);
  fsync_path(path);
  // Read back from the page cache: the checksum covers exactly the bytes HDF5 left on disk.
  const FileDigest digest = digest_file(path);
  return {shard.file_name, digest.size, digest.crc32};
}

std::string commit_checkpoint(const std::string& root, const CheckpointMeta& meta,
                              std::vector<ManifestFile> files, const CommitPhaseHook& hook) {
  const std::string folder_name = step_folder_name(meta.step);
  const std::string final_folder = (fs::path(root) / folder_name).string();
  const std::string partial = final_folder + kPartialSuffix;
  std::set<std::string> names;
  for (const ManifestFile& file : files) {
    const std::string path = (fs::path(partial) / file.name).string();
    std::error_code error;
    const auto size = fs::file_size(path, error);
    if (!names.insert(file.name).second || error || static_cast<int64_t>(size) != file.size) {
      throw RuntimeError(
          fmt::format("{}: shard file {} is duplicated, missing or not {} bytes "
                      "at commit",
                      partial, file.name, file.size));
    }
  }
  if (hook) hook("files_written");
  const Manifest manifest{meta.step, meta.json_state, meta.config_toml, std::move(files)};
  write_file_durably((fs::path(partial) / kManifestFileName).string(), manifest_to_json(manifest));
  fsync_path(partial);
  if (hook) hook("manifest_written");

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

void abort_checkpoint(const std::string& root, int64_t step) noexcept {
  std::error_code ignored;
  fs::remove_all(partial_folder_of(root, step), ignored);
}

std::string write_checkpoint(const std::string& root, const CheckpointMeta& meta,
                             const std::vector<ShardFile>& shards, const CommitPhaseHook& hook) {
  check_shard_names(shards, (fs::path(root) / step_folder_name(meta.step)).string());
  // Fail on bad state JSON before spending time on the tensors.
  manifest_to_json({meta.step, meta.json_state, meta.config_toml, {}});
  const std::string partial = begin_checkpoint(root, meta.step);
  try {
    std::vector<ManifestFile> files;
    for (const ShardFile& shard : shards) files.push_back(write_shard_into(partial, shard));
    return commit_checkpoint(root, meta, std::move(files), hook);
  } catch (...) {
    // A failed save leaves no partial folder; `latest` still names the previous checkpoint.
    // (After the rename, the partial folder no longer exists and this removes nothing.)
    abort_checkpoint(root, meta.step);
    throw;
  }
}

}  // namespace vdit::checkpoints
