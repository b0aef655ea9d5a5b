// Writes float32 tensors as one safetensors file (the Hugging Face format), without a library.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace vdit::checkpoints {

// Layout (https://github.com/huggingface/safetensors, "Format"):
//   8 bytes   N, unsigned little-endian: the header's length
//   N bytes   JSON: {"<name>": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]},
//             ..., "__metadata__": {"<key>": "<string>"}}, padded with spaces to a multiple of 8
//             so the data that follows is 8-byte aligned
//   the data  every tensor's values, row-major little-endian, back to back in the order the
//             entries are given; offsets are relative to the data's start.
struct SafetensorsEntry {
  std::string name;
  std::vector<int64_t> shape;  // empty = a scalar (one value)
};

// The values of entry `index`, called once per entry, in order, so a large model is written one
// tensor at a time instead of held in memory whole.
using SafetensorsValues = std::function<std::vector<float>(size_t index)>;

// The padded JSON header for `entries` (exposed for tests). InputError on a duplicate or empty
// name, or a name equal to "__metadata__".
std::string safetensors_header(const std::vector<SafetensorsEntry>& entries,
                               const std::map<std::string, std::string>& metadata);

// Writes the file: first to <path>.tmp, renamed over `path` once complete, so a failed export
// never leaves a truncated file under the final name. RuntimeError on I/O failure or when
// `values` returns the wrong number of values for an entry (the .tmp file is removed).
void write_safetensors(const std::string& path, const std::vector<SafetensorsEntry>& entries,
                       const std::map<std::string, std::string>& metadata,
                       const SafetensorsValues& values);

}  // namespace vdit::checkpoints
