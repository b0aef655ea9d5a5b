#include "eval/reference_cache.h"

#include <fmt/core.h>

#include <cstdlib>
#include <filesystem>

#include "core/error.h"
#include "eval/detector_file.h"

namespace vdit::eval {
namespace {

// FNV-1a, 64 bits: a stable name for the key text (not a security boundary).
uint64_t fnv1a(const std::string& text) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ull;
  }
  return hash;
}

}  // namespace

std::string reference_key(const std::vector<std::string>& files, const std::string& detector,
                          const std::string& protocol) {
  std::string text = "detector=" + detector + "\nprotocol=" + protocol + "\n";
  for (const auto& file : files) text += file_checksum(file) + "\n";  // content, not the name
  return fmt::format("{:016x}", fnv1a(text));
}

std::string ReferenceCache::default_folder() {
  if (const char* explicit_folder = std::getenv("VDIT_CACHE_DIR")) return explicit_folder;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME")) return std::string(xdg) + "/vdit/eval";
  if (const char* home = std::getenv("HOME")) return std::string(home) + "/.cache/vdit/eval";
  return ".vdit-cache/eval";
}

std::string ReferenceCache::path_of(const std::string& key) const {
  return folder_ + "/" + key + ".h5";
}

std::optional<StoredStatistics> ReferenceCache::find(const std::string& key) const {
  std::error_code error;
  const std::string path = path_of(key);
  if (!std::filesystem::is_regular_file(path, error)) return std::nullopt;
  return read_statistics(path);
}

void ReferenceCache::store(const std::string& key, const StoredStatistics& statistics) const {
  std::error_code error;
  std::filesystem::create_directories(folder_, error);
  if (error) {
    throw RuntimeError(
        fmt::format("{}: cannot create the reference cache: {}", folder_, error.message()));
  }
  write_statistics(path_of(key), statistics);
}

}  // namespace vdit::eval
