// A folder of stats files for reference data sets, so each is run through a detector once.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "eval/feature_files.h"

namespace vdit::eval {

// The key says everything the statistics depend on: the content of every input file (CRC-32
// and size), the detector file's checksum and the protocol text (which carries the frame count
// and stride). Editing a shard, swapping the detector or changing the protocol misses the cache.
std::string reference_key(const std::vector<std::string>& files, const std::string& detector,
                          const std::string& protocol);

class ReferenceCache {
 public:
  // The folder is created on the first store.
  explicit ReferenceCache(std::string folder) : folder_(std::move(folder)) {}
  // $VDIT_CACHE_DIR, else $XDG_CACHE_HOME/vdit/eval, else $HOME/.cache/vdit/eval.
  static std::string default_folder();

  const std::string& folder() const { return folder_; }
  std::string path_of(const std::string& key) const;  // <folder>/<key>.h5
  std::optional<StoredStatistics> find(const std::string& key) const;
  void store(const std::string& key, const StoredStatistics& statistics) const;

 private:
  std::string folder_;
};

}  // namespace vdit::eval
