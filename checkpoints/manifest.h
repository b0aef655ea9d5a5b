// manifest.json: the record, written last, that makes a checkpoint folder complete.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vdit::checkpoints {

// One shard file of the checkpoint and what it must hash to.
struct ManifestFile {
  std::string name;  // relative to the checkpoint folder: "model-tp0-of-1.h5"
  int64_t size = 0;
  uint32_t crc32 = 0;
};

// {"format": "vdit-checkpoint", "version": 1, "step": 1200, "state": {...}, "config": "...",
//  "files": [{"name": "model-tp0-of-1.h5", "size": 123, "crc32": 456}]}
struct Manifest {
  int64_t step = 0;
  std::string state_json;   // a JSON object (the coordinator's state), stored as "state"
  std::string config_toml;  // the run config, stored as a string
  std::vector<ManifestFile> files;
};

// Pretty JSON text. RuntimeError if state_json is not a JSON object (empty means {}).
std::string manifest_to_json(const Manifest& manifest);

// Parses and validates manifest text. InputError naming `where` and the field on any problem:
// not JSON, wrong format or version, a missing or mistyped field, an unsafe file name.
Manifest parse_manifest(const std::string& text, const std::string& where);

// Empty if `name` is a plain file name a checkpoint may hold (no '/', not "." / "..", not the
// manifest or `latest`), else what is wrong with it.
std::string shard_file_name_problem(const std::string& name);

}  // namespace vdit::checkpoints
