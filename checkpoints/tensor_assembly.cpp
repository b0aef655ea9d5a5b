#include "checkpoints/tensor_assembly.h"

#include <fmt/core.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "core/error.h"

namespace vdit::checkpoints {

namespace {

int64_t extent(const StoredPiece& piece) { return piece.placement.piece_rows(); }

const std::vector<StoredPiece>& pieces_of(const LoadedCheckpoint& checkpoint,
                                          const std::string& name) {
  const auto found = checkpoint.tensors.find(name);
  if (found != checkpoint.tensors.end()) return found->second;
  std::string examples;
  int shown = 0;
  for (auto it = checkpoint.tensors.begin(); it != checkpoint.tensors.end() && shown < 5;
       ++it, ++shown) {
    examples += (shown == 0 ? "" : ", ") + it->first;
  }
  throw InputError(fmt::format("{}: no tensor '{}' (it holds {} tensors, e.g. {})", checkpoint.path,
                               name, checkpoint.tensors.size(), examples));
}

std::string shard_path(const LoadedCheckpoint& checkpoint, const StoredPiece& piece) {
  return (std::filesystem::path(checkpoint.path) / piece.file_name).string();
}

std::string x_joined(const std::vector<int64_t>& shape) {
  std::string text;
  for (const int64_t dim : shape) text += (text.empty() ? "" : "x") + std::to_string(dim);
  return text;
}

// Copies `rows` rows of every block of `source` ([outer] x [blocks * source_rows] x [inner],
// rows starting at `source_row` in each block) to rows starting at `target_row` of every block of
// `target` ([outer] x [blocks * target_rows] x [inner]).
void copy_block_rows(const float* source, int64_t source_rows, int64_t source_row, float* target,
                     int64_t target_rows, int64_t target_row, int64_t rows, int64_t outer,
                     int64_t inner) {
  for (int64_t block = 0; block < outer; ++block) {
    std::memcpy(target + (block * target_rows + target_row) * inner,
                source + (block * source_rows + source_row) * inner,
                sizeof(float) * static_cast<size_t>(rows * inner));
  }
}

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
  const std::vector<StoredPiece> plan =
      plan_assembly(name, pieces_of(checkpoint, name), checkpoint.path);
  const PiecePlacement& placement = plan.front().placement;
  const std::vector<int64_t>& shape = placement.global_shape;
  if (global_shape != nullptr) *global_shape = shape;
  std::vector<float> full(static_cast<size_t>(element_count(shape)));
  for (const StoredPiece& piece : plan) {
    const std::vector<float> values = read_piece_values(shard_path(checkpoint, piece), piece);
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

std::vector<float> read_tensor_piece(const LoadedCheckpoint& checkpoint, const std::string& name,
                                     const PiecePlacement& want) {
  const std::vector<StoredPiece> plan =
      plan_assembly(name, pieces_of(checkpoint, name), checkpoint.path);
  const PiecePlacement& stored = plan.front().placement;
  if (stored.global_shape != want.global_shape) {
    throw InputError(fmt::format("{}: tensor {} has shape {}, expected {} for this model config",
                                 checkpoint.path, name, x_joined(stored.global_shape),
                                 x_joined(want.global_shape)));
  }
  if (const std::string problem = placement_problem(want); !problem.empty()) {
    throw InputError(fmt::format("{}: tensor {}: cannot read the piece asked for: {}",
                                 checkpoint.path, name, problem));
  }
  if (want.split_dim == -1) return read_full_tensor(checkpoint, name);
  const auto dim = static_cast<size_t>(want.split_dim);
  const int64_t blocks = want.split_blocks;
  const int64_t want_rows = want.piece_rows(), tensor_rows = want.tensor_rows();
  const int64_t outer = element_count({want.shape.begin(), want.shape.begin() + dim}) * blocks;
  const int64_t inner = element_count({want.shape.begin() + dim + 1, want.shape.end()});
  std::vector<float> values(static_cast<size_t>(element_count(want.shape)));
  if (values.empty()) return values;
  if (stored.split_dim == -1) {
    // One whole copy: its rows [offset, offset + rows) of every block, in one hyperslab.
    return read_piece_rows(shard_path(checkpoint, plan.front()), plan.front(), want.split_dim,
                           want.offset, want_rows, blocks, tensor_rows);
  }
  if (stored.split_dim != want.split_dim || stored.split_blocks != blocks) {
    // Cut another way (not a layout vdit writes today): assemble it whole, then slice.
    const std::vector<float> full = read_full_tensor(checkpoint, name);
    copy_block_rows(full.data(), tensor_rows, want.offset, values.data(), want_rows, 0, want_rows,
                    outer, inner);
    return values;
  }
  // Pieces along the same dim: each piece that overlaps [offset, offset + rows) gives its part.
  for (const StoredPiece& piece : plan) {
    const int64_t piece_begin = piece.placement.offset, piece_rows = extent(piece);
    const int64_t begin = std::max(want.offset, piece_begin);
    const int64_t end = std::min(want.offset + want_rows, piece_begin + piece_rows);
    if (begin >= end) continue;
    const std::vector<float> part =
        read_piece_rows(shard_path(checkpoint, piece), piece, want.split_dim, begin - piece_begin,
                        end - begin, blocks, piece_rows);
    copy_block_rows(part.data(), end - begin, 0, values.data(), want_rows, begin - want.offset,
                    end - begin, outer, inner);
  }
  return values;
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
