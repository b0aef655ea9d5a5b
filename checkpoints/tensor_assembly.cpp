#include "checkpoints/tensor_assembly.h"

#include <fmt/core.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "core/error.h"

namespace vdit::checkpoints {

namespace {

int64_t extent(const StoredPiece& piece) { return piece.placement.piece_rows(); }

}  // namespace

std::vector<StoredPiece> plan_assembly(const std::string& name,
                                       const std::vector<StoredPiece>& pieces,
                                       const std::string& where) {
  if (pieces.empty()) throw InputError(fmt::format("{}: no pieces of tensor '{}'", where, name));
  const PiecePlacement& first = pieces.front().placement;
  for (const StoredPiece& piece : pieces) {
    if (piece.placement.global_shape != first.global_shape) {
      throw InputError(fmt::format("{}: tensor '{}' has global shape {} in {} but {} in {}", where,
                                   name, describe_shape(first.global_shape),
                                   pieces.front().file_name,
                                   describe_shape(piece.placement.global_shape), piece.file_name));
    }
  }
  // A whole copy is enough (a replicated tensor, e.g. a LayerNorm weight on every TP rank).
  for (const StoredPiece& piece : pieces) {
    if (piece.placement.split_dim == -1) return {piece};
  }
  for (const StoredPiece& piece : pieces) {
    if (piece.placement.split_dim != first.split_dim ||
        piece.placement.split_blocks != first.split_blocks) {
      throw InputError(fmt::format(
          "{}: tensor '{}' is split along dim {} in {} blocks in {} but dim {} in {} blocks in {}",
          where, name, first.split_dim, first.split_blocks, pieces.front().file_name,
          piece.placement.split_dim, piece.placement.split_blocks, piece.file_name));
    }
  }
  std::vector<StoredPiece> sorted = pieces;
  std::sort(sorted.begin(), sorted.end(), [](const StoredPiece& a, const StoredPiece& b) {
    return std::make_pair(a.placement.offset, extent(a)) <
           std::make_pair(b.placement.offset, extent(b));
  });
  std::vector<StoredPiece> plan;
  int64_t covered = 0;  // pieces so far tile [0, covered) along the split dim
  for (const StoredPiece& piece : sorted) {
    if (!plan.empty() && piece.placement.offset == plan.back().placement.offset &&
        extent(piece) == extent(plan.back())) {
      continue;  // a replica of the previous piece
    }
    if (piece.placement.offset != covered) {
      throw InputError(fmt::format(
          "{}: tensor '{}' pieces along dim {} {} at {} (piece [{}, {}) in {}): the shard files "
          "do not cover the global shape {} exactly",
          where, name, first.split_dim,
          piece.placement.offset < covered ? "overlap" : "leave a gap", covered,
          piece.placement.offset, piece.placement.offset + extent(piece), piece.file_name,
          describe_shape(first.global_shape)));
    }
    covered += extent(piece);
    plan.push_back(piece);
  }
  const int64_t full = first.tensor_rows();
  if (covered != full) {
    throw InputError(
        fmt::format("{}: tensor '{}' pieces cover [0, {}) of dim {}, expected [0, {})"
                    ": a shard file is missing",
                    where, name, covered, first.split_dim, full));
  }
  return plan;
}

std::vector<float> read_full_tensor(const LoadedCheckpoint& checkpoint, const std::string& name,
                                    std::vector<int64_t>* global_shape) {
  const auto found = checkpoint.tensors.find(name);
  if (found == checkpoint.tensors.end()) {
    std::string examples;
    int shown = 0;
    for (auto it = checkpoint.tensors.begin(); it != checkpoint.tensors.end() && shown < 5;
         ++it, ++shown) {
      examples += (shown == 0 ? "" : ", ") + it->first;
    }
    throw InputError(fmt::format("{}: no tensor '{}' (it holds {} tensors, e.g. {})",
                                 checkpoint.path, name, checkpoint.tensors.size(), examples));
  }
  const std::vector<StoredPiece> plan = plan_assembly(name, found->second, checkpoint.path);
  const PiecePlacement& placement = plan.front().placement;
  const std::vector<int64_t>& shape = placement.global_shape;
  if (global_shape != nullptr) *global_shape = shape;
  std::vector<float> full(static_cast<size_t>(element_count(shape)));
  for (const StoredPiece& piece : plan) {
    const std::string path = (std::filesystem::path(checkpoint.path) / piece.file_name).string();
    const std::vector<float> values = read_piece_values(path, piece);
    if (placement.split_dim == -1) return values;
    // Row-major: the tensor is `outer` blocks of [rows x inner] (outer counts the dims before
    // split_dim times split_blocks); each piece fills the rows [offset, offset + piece rows) of
    // every block.
    const size_t dim = static_cast<size_t>(placement.split_dim);
    const int64_t outer =
        element_count({shape.begin(), shape.begin() + dim}) * placement.split_blocks;
    const int64_t inner = element_count({shape.begin() + dim + 1, shape.end()});
    const int64_t rows = placement.tensor_rows(), piece_rows = piece.placement.piece_rows();
    if (piece_rows * inner == 0) continue;
    for (int64_t block = 0; block < outer; ++block) {
      const float* source = values.data() + block * piece_rows * inner;
      float* destination = full.data() + (block * rows + piece.placement.offset) * inner;
      std::memcpy(destination, source, sizeof(float) * static_cast<size_t>(piece_rows * inner));
    }
  }
  return full;
}

std::vector<std::pair<std::string, std::vector<int64_t>>> list_tensors(
    const LoadedCheckpoint& checkpoint) {
  std::vector<std::pair<std::string, std::vector<int64_t>>> listing;
  for (const auto& [name, pieces] : checkpoint.tensors) {
    listing.emplace_back(name, pieces.front().placement.global_shape);
  }
  return listing;
}

}  // namespace vdit::checkpoints
