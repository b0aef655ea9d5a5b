#include "checkpoints/tensor_record.h"

#include <fmt/core.h>

namespace vdit::checkpoints {

int64_t element_count(const std::vector<int64_t>& shape) {
  int64_t count = 1;
  for (const int64_t dim : shape) count *= dim;
  return count;
}

std::string describe_shape(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i == 0 ? "" : ", ") + std::to_string(shape[i]);
  return text + "]";
}

int64_t PiecePlacement::piece_rows() const {
  return shape[static_cast<size_t>(split_dim)] / split_blocks;
}

int64_t PiecePlacement::tensor_rows() const {
  return global_shape[static_cast<size_t>(split_dim)] / split_blocks;
}

std::string placement_problem(const PiecePlacement& placement) {
  const auto& global = placement.global_shape;
  const auto& shape = placement.shape;
  for (const int64_t dim : global) {
    if (dim < 0) return fmt::format("global shape {} has a negative dim", describe_shape(global));
  }
  if (shape.size() != global.size()) {
    return fmt::format("shard shape {} has rank {}, global shape {} has rank {}",
                       describe_shape(shape), shape.size(), describe_shape(global), global.size());
  }
  const int64_t rank = static_cast<int64_t>(global.size());
  if (placement.split_dim < -1 || placement.split_dim >= rank) {
    return fmt::format("split_dim {} is outside [-1, {})", placement.split_dim, rank);
  }
  if (placement.split_dim == -1 && (placement.offset != 0 || placement.split_blocks != 1)) {
    return fmt::format(
        "offset {} and split_blocks {} on a tensor that is not split (split_dim -1), expected 0 "
        "and 1",
        placement.offset, placement.split_blocks);
  }
  if (placement.split_blocks < 1) {
    return fmt::format("split_blocks {}, expected at least 1", placement.split_blocks);
  }
  for (int64_t dim = 0; dim < rank; ++dim) {
    const size_t d = static_cast<size_t>(dim);
    if (dim == placement.split_dim) {
      const int64_t blocks = placement.split_blocks;
      if (shape[d] % blocks != 0 || global[d] % blocks != 0) {
        return fmt::format(
            "split_blocks {} does not divide the piece extent {} and the global "
            "extent {} along dim {}",
            blocks, shape[d], global[d], dim);
      }
      const int64_t rows = shape[d] / blocks, block_rows = global[d] / blocks;
      if (placement.offset < 0 || rows < 0 || placement.offset + rows > block_rows) {
        return fmt::format("piece [{}, {}) along dim {} lies outside the {} extent {}",
                           placement.offset, placement.offset + rows, dim,
                           blocks == 1 ? "global" : "block", block_rows);
      }
    } else if (shape[d] != global[d]) {
      return fmt::format(
          "shard shape {} differs from global shape {} in dim {}, which is not "
          "the split dim {}",
          describe_shape(shape), describe_shape(global), dim, placement.split_dim);
    }
  }
  return "";
}

std::string name_problem(const std::string& name) {
  if (name.empty()) return "the tensor name is empty";
  if (name.front() == '/' || name.back() == '/') {
    return fmt::format("tensor name '{}' starts or ends with '/'", name);
  }
  size_t start = 0;
  while (start <= name.size()) {
    const size_t end = std::min(name.find('/', start), name.size());
    const std::string component = name.substr(start, end - start);
    if (component.empty() || component == "." || component == "..") {
      return fmt::format("tensor name '{}' has an empty, '.' or '..' component", name);
    }
    start = end + 1;
  }
  return "";
}

}  // namespace vdit::checkpoints
