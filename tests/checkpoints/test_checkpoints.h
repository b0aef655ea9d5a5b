// Shared helpers for the checkpoints/ tests: temporary roots, sample tensors, file damage.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "checkpoints/checkpoint_writer.h"

namespace vdit::checkpoints::testing {

// A fresh empty folder under the test temp dir, removed (recursively) on destruction.
class TempRoot {
 public:
  TempRoot();
  ~TempRoot();
  TempRoot(const TempRoot&) = delete;
  TempRoot& operator=(const TempRoot&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Values that differ per element and per `seed`, so a mix-up between steps or pieces shows.
std::vector<float> pattern(int64_t count, float seed);

// A whole (unsplit) tensor with pattern values.
TensorRecord whole_tensor(const std::string& name, std::vector<int64_t> shape, float seed);

// The piece [offset, offset + extent) along split_dim of the tensor whole_tensor(name, shape,
// seed) describes, with the matching values.
TensorRecord piece_of(const std::string& name, const std::vector<int64_t>& global_shape,
                      int64_t split_dim, int64_t offset, int64_t extent, float seed);

// Two shard files as a TP=2 mesh writes them: "model/blocks.0.attn.qkv.weight" [6, 4] split
// along dim 0, "model/final.bias" [5] whole in both, "ema/proj" [2, 3] in shard 0 only.
// Values depend on `seed` (use the step).
std::vector<ShardFile> sample_shards(float seed);
CheckpointMeta sample_meta(int64_t step);

// Writes sample_shards(step) for `step` under root; returns the folder.
std::string save_sample(const std::string& root, int64_t step);

void flip_byte(const std::string& path, int64_t offset);  // offset < 0 counts from the end
void truncate_file(const std::string& path, int64_t size);
int64_t file_size(const std::string& path);
std::string read_text(const std::string& path);
void write_text(const std::string& path, const std::string& text);

}  // namespace vdit::checkpoints::testing
