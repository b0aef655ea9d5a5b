#include "parallel/parallel_dims.h"

#include <fmt/core.h>

#include "core/error.h"

namespace vdit::parallel {

ParallelDims ParallelDims::create(int dp, int sp, int tp, int worker_count) {
  const std::string factors = fmt::format("dp({}) x sp({}) x tp({})", dp, sp, tp);
  if (dp < 1 || sp < 1 || tp < 1) {
    throw InputError(fmt::format("every parallel degree must be at least 1, got {}", factors));
  }
  // 64-bit product: absurd degrees from a config must not overflow into a false match.
  const int64_t product = int64_t{dp} * sp * tp;
  if (product != worker_count) {
    throw InputError(fmt::format("{} = {} worker ranks, but there {} {} worker rank{}", factors,
                                 product, worker_count == 1 ? "is" : "are", worker_count,
                                 worker_count == 1 ? "" : "s"));
  }
  return ParallelDims(dp, sp, tp);
}

void ParallelDims::validate_heads(int64_t heads, std::string_view what) const {
  if (heads < 1 || heads % (int64_t{tp_} * sp_) != 0) {
    throw InputError(fmt::format("{} ({}) must be a positive multiple of tp({}) x sp({}) = {}",
                                 what, heads, tp_, sp_, tp_ * sp_));
  }
}

void ParallelDims::validate_hidden(int64_t hidden, std::string_view what) const {
  if (hidden < 1 || hidden % tp_ != 0) {
    throw InputError(
        fmt::format("{} ({}) must be a positive multiple of tp({})", what, hidden, tp_));
  }
}

void ParallelDims::validate_tokens(int64_t tokens, std::string_view what) const {
  if (tokens < 1 || tokens % sp_ != 0) {
    throw InputError(
        fmt::format("{} ({}) must be a positive multiple of sp({})", what, tokens, sp_));
  }
}

std::string ParallelDims::to_string() const {
  return fmt::format("dp({}) x sp({}) x tp({})", dp_, sp_, tp_);
}

}  // namespace vdit::parallel
