// A verified checkpoint folder: its metadata and an index of every stored tensor piece.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "checkpoints/shard_file.h"

namespace vdit::checkpoints {

struct LoadedCheckpoint {
  std::string path;  // the step folder
  int64_t step = 0;
  std::string state_json;          // the coordinator state object, as JSON text
  std::string config_toml;         // the run config saved with it
  std::vector<std::string> files;  // shard file names, as the manifest lists them
  // Every tensor name -> the pieces of it found in the shard files (values are read on demand
  // with read_full_tensor). Sorted by name.
  std::map<std::string, std::vector<StoredPiece>> tensors;
};

}  // namespace vdit::checkpoints
