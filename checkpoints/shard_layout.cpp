#include "checkpoints/shard_layout.h"

#include <fmt/core.h>

namespace vdit::checkpoints {

std::optional<std::string> ShardLayout::file_of(int64_t dp_rank, int64_t sp_rank,
                                                int64_t tp_rank) const {
  if (writes_weights(dp_rank, sp_rank)) return fmt::format("state-tp{}-of-{}.h5", tp_rank, tp);
  if (!optimizer_sharded()) return std::nullopt;
  return fmt::format("optim-dp{}-sp{}-tp{}.h5", dp_rank, sp_rank, tp_rank);
}

}  // namespace vdit::checkpoints
