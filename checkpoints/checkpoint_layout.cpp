#include "checkpoints/checkpoint_layout.h"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace vdit::checkpoints {

namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::string step_folder_name(int64_t step) { return fmt::format("step_{:09d}", step); }

std::optional<int64_t> parse_step_folder_name(const std::string& name) {
  const std::string prefix = "step_";
  if (name.rfind(prefix, 0) != 0) return std::nullopt;
  const std::string digits = name.substr(prefix.size());
  if (digits.size() < 9 || digits.size() > 18) return std::nullopt;
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoll(digits);
}

std::vector<StepFolder> list_step_folders(const std::string& root) {
  std::vector<StepFolder> folders;
  std::error_code error;
  if (!fs::is_directory(root, error)) return folders;
  for (const fs::directory_entry& entry : fs::directory_iterator(root, error)) {
    if (!entry.is_directory(error)) continue;
    const std::optional<int64_t> step = parse_step_folder_name(entry.path().filename().string());
    if (step) folders.push_back({*step, entry.path().string()});
  }
  if (error) {
    throw RuntimeError(
        fmt::format("{}: cannot list checkpoint folders: {}", root, error.message()));
  }
  std::sort(folders.begin(), folders.end(),
            [](const StepFolder& a, const StepFolder& b) { return a.step > b.step; });
  return folders;
}

std::optional<std::string> read_latest_name(const std::string& root) {
  const fs::path path = fs::path(root) / kLatestFileName;
  std::ifstream file(path);
  if (!file) return std::nullopt;
  std::stringstream text;
  text << file.rdbuf();
  std::string name = text.str();
  const auto is_space = [](unsigned char c) { return std::isspace(c) != 0; };
  name.erase(std::find_if_not(name.rbegin(), name.rend(), is_space).base(), name.end());
  name.erase(name.begin(), std::find_if_not(name.begin(), name.end(), is_space));
  return name;
}

void remove_leftover_folders(const std::string& root) {
  std::error_code error;
  std::vector<fs::path> leftovers;
  for (const fs::directory_entry& entry : fs::directory_iterator(root, error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("step_", 0) == 0 &&
        (ends_with(name, kPartialSuffix) || ends_with(name, kDeletingSuffix))) {
      leftovers.push_back(entry.path());
    }
  }
  for (const fs::path& leftover : leftovers) {
    fs::remove_all(leftover, error);
    if (error) {
      throw RuntimeError(
          fmt::format("{}: cannot remove the leftover folder of an interrupted "
                      "save: {}",
                      leftover.string(), error.message()));
    }
  }
}

}  // namespace vdit::checkpoints
