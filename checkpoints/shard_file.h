// One HDF5 shard file of a checkpoint: a dataset per tensor piece with its placement attributes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "checkpoints/tensor_record.h"

namespace vdit::checkpoints {

// Layout: root attrs format="vdit-checkpoint-shard", version=2; one float32 dataset per tensor at
// /<name> ('/' in the name become groups: /model/blocks.0.attn.qkv.weight) with the piece's shape
// and attrs global_shape, split_dim, offset, split_blocks (version 1 files lack split_blocks: 1).
//
// Writes `tensors` to a new file at `path` (overwriting). RuntimeError on I/O failure or on a
// record that is inconsistent (values vs shape, placement, duplicate name).
void write_shard_file(const std::string& path, const std::vector<TensorRecord>& tensors);

// A tensor piece found in a shard file, without its values.
struct StoredPiece {
  std::string file_name;  // within the checkpoint folder
  std::string name;       // tensor name, as written
  PiecePlacement placement;
};

// Every dataset of the shard file at `path` and its placement. InputError naming the file (and
// the dataset) if it is not a readable shard: truncated, wrong format or version, bad attributes.
std::vector<StoredPiece> read_shard_index(const std::string& path, const std::string& file_name);

// The values of one piece, checked against the placement the index found. InputError on failure.
std::vector<float> read_piece_values(const std::string& path, const StoredPiece& piece);

}  // namespace vdit::checkpoints
