// Reassembles full tensors from the shards a checkpoint holds, whatever mesh wrote them.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "checkpoints/loaded_checkpoint.h"

namespace vdit::checkpoints {

// The pieces that tile a tensor exactly, ordered by offset. Replicas of the same piece (data
// parallel copies, or a whole tensor stored by every tensor-parallel rank) are used once.
// InputError naming `where` and the tensor if the pieces disagree on global shape or split dim,
// overlap, or leave a gap.
std::vector<StoredPiece> plan_assembly(const std::string& name,
                                       const std::vector<StoredPiece>& pieces,
                                       const std::string& where);

// The full tensor `name`, row-major, from all shard files holding pieces of it (concatenated
// along split_dim by offset), so a run can resume on a different mesh. Its shape goes to
// `global_shape` if given. InputError if the checkpoint has no such tensor (the message names a
// few that exist) or a piece cannot be read.
std::vector<float> read_full_tensor(const LoadedCheckpoint& checkpoint, const std::string& name,
                                    std::vector<int64_t>* global_shape = nullptr);

// The values of the piece `want` describes (global_shape, split_dim, split_blocks, offset and
// shape: e.g. this tensor-parallel rank's rows of each block), row-major in `want.shape`, reading
// from each shard file only the rows it needs (HDF5 hyperslabs) and no file that holds none of
// them, whatever mesh wrote the checkpoint. A whole `want` (split_dim -1) is the full tensor.
// InputError naming the checkpoint, the tensor, the stored and the expected global shape when
// they differ ("has shape 64x48, expected 96x48 for this model config"), or as read_full_tensor.
std::vector<float> read_tensor_piece(const LoadedCheckpoint& checkpoint, const std::string& name,
                                     const PiecePlacement& want);

// Every tensor name with its global shape, sorted by name (for `vdit ckpt inspect`).
std::vector<std::pair<std::string, std::vector<int64_t>>> list_tensors(
    const LoadedCheckpoint& checkpoint);

}  // namespace vdit::checkpoints
