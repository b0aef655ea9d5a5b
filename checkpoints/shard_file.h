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
// Large tensors are written in hyperslabs of about this many bytes. HDF5 (thread-safe build)
// holds its global lock for each call, so while a background save writes, another thread's HDF5
// call (the data loader's read) waits for at most one piece, not the whole shard. A few MB keeps
// the per-call overhead (~10 us) negligible against the copy.
inline constexpr int64_t kShardWritePieceBytes = int64_t{4} << 20;

// Writes `tensors` to a new file at `path` (overwriting), each tensor in pieces of about
// `piece_bytes` (<= 0: one HDF5 write per tensor). Takes no lock of its own: other threads may
// read and write other HDF5 files meanwhile. RuntimeError on I/O failure or on a record that is
// inconsistent (values vs shape, placement, duplicate name).
void write_shard_file(const std::string& path, const std::vector<TensorRecord>& tensors,
                      int64_t piece_bytes = kShardWritePieceBytes);

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

// Part of one piece, read as one HDF5 hyperslab: along `dim`, `blocks` runs of `rows` rows, the
// first starting at row `first_row` of the stored piece and each next one `block_stride` rows
// further; every other dim whole. Row-major [dims before dim] x [blocks * rows] x [dims after],
// so a tensor-parallel rank reads only its rows of a fused [q | k | v] piece. InputError if the
// runs leave the stored piece or the dataset does not match the index.
std::vector<float> read_piece_rows(const std::string& path, const StoredPiece& piece, int64_t dim,
                                   int64_t first_row, int64_t rows, int64_t blocks,
                                   int64_t block_stride);

}  // namespace vdit::checkpoints
