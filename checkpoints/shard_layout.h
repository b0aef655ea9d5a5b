// Which shard files one checkpoint of a dp x sp x tp worker mesh holds, and who writes which.
// The dp 0 / sp 0 rank of each tp rank writes "state-tp<t>-of-<T>.h5": its pieces of weights, EMA
// and AdamW state (the other dp and sp ranks hold copies of them). Under ZeRO-1 (optimizer state
// sharded over dp x sp) every other rank also writes "optim-dp<d>-sp<s>-tp<t>.h5": its share of
// the AdamW state. The coordinator commits a checkpoint once every file is reported.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace vdit::checkpoints {

struct ShardLayout {
  int64_t dp = 1, sp = 1, tp = 1;
  bool zero1 = false;  // optimizer.zero1; sharding needs more than one dp x sp rank

  bool optimizer_sharded() const { return zero1 && dp * sp > 1; }
  int64_t files() const { return tp * (optimizer_sharded() ? dp * sp : 1); }
  // Whether the rank at (dp_rank, sp_rank) writes weights (and the EMA).
  static bool writes_weights(int64_t dp_rank, int64_t sp_rank) {
    return dp_rank == 0 && sp_rank == 0;
  }
  // The file that rank writes, or nullopt when it writes none (its state is a copy of another's).
  std::optional<std::string> file_of(int64_t dp_rank, int64_t sp_rank, int64_t tp_rank) const;
};

}  // namespace vdit::checkpoints
