#include "checkpoints/checkpoint_reader.h"

#include <fmt/core.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "checkpoints/checkpoint_layout.h"
#include "checkpoints/durable_file.h"
#include "checkpoints/manifest.h"
#include "core/error.h"

namespace vdit::checkpoints {

namespace fs = std::filesystem;

namespace {

std::string read_manifest_text(const std::string& folder) {
  const fs::path path = fs::path(folder) / kManifestFileName;
  std::error_code error;
  if (!fs::is_regular_file(path, error)) {
    throw InputError(fmt::format("{}: no {} (the save did not finish)", folder, kManifestFileName));
  }
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  if (!file) throw InputError(fmt::format("{}: cannot read {}", folder, kManifestFileName));
  return text.str();
}

void verify_file(const std::string& folder, const ManifestFile& expected, bool checksum) {
  const std::string path = (fs::path(folder) / expected.name).string();
  std::error_code error;
  if (!fs::is_regular_file(path, error)) {
    throw InputError(
        fmt::format("{}: file {} listed in the manifest is missing", folder, expected.name));
  }
  if (!checksum) {
    const auto size = static_cast<int64_t>(fs::file_size(path, error));
    if (error || size != expected.size) {
      throw InputError(
          fmt::format("{}: file {} has {} bytes, the manifest records {} (truncated or replaced)",
                      folder, expected.name, error ? -1 : size, expected.size));
    }
    return;
  }
  FileDigest digest;
  try {
    digest = digest_file(path);
  } catch (const RuntimeError& read_error) {
    throw InputError(
        fmt::format("{}: cannot read {}: {}", folder, expected.name, read_error.what()));
  }
  if (digest.size != expected.size) {
    throw InputError(
        fmt::format("{}: file {} has {} bytes, the manifest records {} (truncated "
                    "or replaced)",
                    folder, expected.name, digest.size, expected.size));
  }
  if (digest.crc32 != expected.crc32) {
    throw InputError(
        fmt::format("{}: file {} has CRC-32 {:08x}, the manifest records {:08x} "
                    "(corrupted)",
                    folder, expected.name, digest.crc32, expected.crc32));
  }
}

}  // namespace

LoadedCheckpoint open_checkpoint(const std::string& folder, const OpenOptions& options) {
  std::error_code error;
  if (!fs::is_directory(folder, error)) {
    throw InputError(fmt::format("{}: not a checkpoint folder (it does not exist)", folder));
  }
  const Manifest manifest =
      parse_manifest(read_manifest_text(folder), (fs::path(folder) / kManifestFileName).string());
  const std::string folder_name = fs::path(folder).lexically_normal().filename().string();
  const std::optional<int64_t> folder_step = parse_step_folder_name(
      folder_name.empty() ? fs::path(folder).parent_path().filename().string() : folder_name);
  if (folder_step && *folder_step != manifest.step) {
    throw InputError(fmt::format("{}: manifest records step {}, the folder name says {}", folder,
                                 manifest.step, *folder_step));
  }
  LoadedCheckpoint checkpoint;
  checkpoint.path = folder;
  checkpoint.step = manifest.step;
  checkpoint.state_json = manifest.state_json;
  checkpoint.config_toml = manifest.config_toml;
  ProgressReporter::Options progress_options;
  progress_options.label = fmt::format("checkpoint step {}", manifest.step);
  progress_options.unit = "bytes";
  for (const ManifestFile& file : manifest.files) progress_options.total += file.size;
  ProgressReporter progress(options.verify_checksums ? options.progress : ProgressTarget{},
                            progress_options);
  for (const ManifestFile& file : manifest.files) {
    verify_file(folder, file, options.verify_checksums);
    progress.advance(file.size, file.name);
    checkpoint.files.push_back(file.name);
  }
  progress.finish();
  for (const std::string& file_name : checkpoint.files) {
    const std::string path = (fs::path(folder) / file_name).string();
    for (StoredPiece& piece : read_shard_index(path, file_name)) {
      checkpoint.tensors[piece.name].push_back(std::move(piece));
    }
  }
  for (const auto& [name, pieces] : checkpoint.tensors) plan_assembly(name, pieces, folder);
  return checkpoint;
}

std::optional<LoadedCheckpoint> find_latest_checkpoint(const std::string& root,
                                                       std::vector<std::string>& warnings,
                                                       const OpenOptions& options) {
  const std::vector<StepFolder> folders = list_step_folders(root);
  const std::optional<std::string> latest = read_latest_name(root);
  if (folders.empty() && !latest) return std::nullopt;

  std::vector<std::string> problems;
  // Folders at or below this step are candidates; `latest` caps it.
  int64_t newest_allowed = INT64_MAX;
  if (latest) {
    const std::optional<int64_t> latest_step = parse_step_folder_name(*latest);
    if (!latest_step) {
      problems.push_back(
          fmt::format("{}/{} holds '{}', not a step folder name", root, kLatestFileName, *latest));
    } else {
      newest_allowed = *latest_step;
      const std::string latest_path = (fs::path(root) / *latest).string();
      std::error_code error;
      if (!fs::is_directory(latest_path, error)) {
        problems.push_back(
            fmt::format("{}: named by {}/{} but missing", latest_path, root, kLatestFileName));
      }
    }
  } else {
    problems.push_back(
        fmt::format("{}/{} is missing; scanning the step folders", root, kLatestFileName));
  }
  for (const StepFolder& folder : folders) {
    if (folder.step > newest_allowed) {
      warnings.push_back(
          fmt::format("{}: newer than {}/{} ({}), ignored: a save was interrupted "
                      "before it updated {}",
                      folder.path, root, kLatestFileName, *latest, kLatestFileName));
      continue;
    }
    try {
      LoadedCheckpoint checkpoint = open_checkpoint(folder.path, options);
      for (std::string& problem : problems) {
        warnings.push_back(problem + fmt::format("; using {}", folder.path));
      }
      return checkpoint;
    } catch (const InputError& problem) {
      problems.push_back(problem.what());
    }
  }
  std::string report;
  for (const std::string& problem : problems) report += "\n  " + problem;
  throw InputError(fmt::format("{}: no loadable checkpoint:{}", root, report));
}

}  // namespace vdit::checkpoints
