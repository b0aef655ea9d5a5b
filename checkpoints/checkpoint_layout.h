// Names inside a checkpoint root: step folders, the `latest` pointer, the manifest, leftovers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vdit::checkpoints {

// <root>/step_000001200/ holds one complete checkpoint; <root>/latest names the newest one.
inline constexpr const char* kManifestFileName = "manifest.json";
inline constexpr const char* kLatestFileName = "latest";
inline constexpr const char* kCheckpointFormat = "vdit-checkpoint";
inline constexpr int64_t kCheckpointVersion = 1;
inline constexpr const char* kShardFormat = "vdit-checkpoint-shard";
inline constexpr int64_t kShardVersion = 2;  // 2 added split_blocks; 1 still loads
// A folder being written (step_N.partial) or being deleted by retention (step_N.deleting):
// never a checkpoint, removed by the next save.
inline constexpr const char* kPartialSuffix = ".partial";
inline constexpr const char* kDeletingSuffix = ".deleting";

// "step_000001200" (9 digits, more for steps past 999999999).
std::string step_folder_name(int64_t step);
// The step of a complete checkpoint folder name ("step_000001200" -> 1200); nullopt for anything
// else, including "step_000001200.partial".
std::optional<int64_t> parse_step_folder_name(const std::string& name);

// A complete-looking checkpoint folder under a root (not yet verified).
struct StepFolder {
  int64_t step = 0;
  std::string path;
};
// Every step_N folder under `root`, newest first. Empty if root does not exist.
std::vector<StepFolder> list_step_folders(const std::string& root);

// The folder name `latest` holds (trimmed), nullopt if there is no `latest` file.
std::optional<std::string> read_latest_name(const std::string& root);

// Removes leftover step_N.partial / step_N.deleting folders under root (debris of a crash).
void remove_leftover_folders(const std::string& root);

}  // namespace vdit::checkpoints
