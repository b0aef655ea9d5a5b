// One tensor (or one shard of it) as plain host floats: the unit a checkpoint stores.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vdit::checkpoints {

// A tensor, or the piece of it one rank holds. Names group state by prefix ("model/...",
// "ema/...", "optim/exp_avg/..."); each '/' becomes an HDF5 group in the shard file.
struct TensorRecord {
  std::string name;                   // "model/blocks.0.attn.qkv.weight"
  std::vector<int64_t> global_shape;  // the full tensor's shape
  int64_t split_dim = -1;             // dim along which this shard is cut; -1 = whole tensor
  int64_t offset = 0;                 // start of this shard along split_dim (within a block)
  // > 1: along split_dim the tensor is `split_blocks` equal stacked blocks (a fused [q | k | v]
  // projection) and this shard holds rows [offset, offset + shape[split_dim] / split_blocks) of
  // each block, stored block after block.
  int64_t split_blocks = 1;
  std::vector<int64_t> shape;  // this shard's shape
  std::vector<float> values;   // row-major, product(shape) values
};

// Product of the dims; 1 for a scalar (empty shape).
int64_t element_count(const std::vector<int64_t>& shape);
std::string describe_shape(const std::vector<int64_t>& shape);  // "[4, 64, 48]"

// Where a piece sits inside its tensor, without the values: what a shard file's index holds.
struct PiecePlacement {
  std::vector<int64_t> global_shape;
  int64_t split_dim = -1;
  int64_t offset = 0;
  std::vector<int64_t> shape;
  int64_t split_blocks = 1;

  // Rows of one block along split_dim: this piece's, and the whole tensor's.
  int64_t piece_rows() const;
  int64_t tensor_rows() const;
};

// Empty if the placement is consistent (shape equals global_shape except along split_dim, the
// piece lies inside the tensor, blocks divide both extents, whole tensors have offset 0 and one
// block), else what is wrong with it.
std::string placement_problem(const PiecePlacement& placement);
// Same for a tensor name: non-empty, no leading/trailing '/', no empty, "." or ".." component.
std::string name_problem(const std::string& name);

}  // namespace vdit::checkpoints
