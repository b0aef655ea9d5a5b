#include "parallel/sequence_halo.h"

#include <fmt/core.h>

#include <algorithm>

#include "core/error.h"
#include "parallel/sequence_parallel_regions.h"

namespace vdit::parallel {

torch::Tensor preceding_tokens(const torch::Tensor& x, const Communicator& sp, int64_t count) {
  if (x.dim() < 2 || count < 0) {
    throw RuntimeError(fmt::format("preceding_tokens: x must be (N, L, ...) and count >= 0, got "
                                   "{} dims and count {}",
                                   x.dim(), count));
  }
  const int64_t local = x.size(1);
  if (sp.size() == 1 || count == 0 || local == 0) return x.narrow(1, 0, 0);
  // Each rank shares its last `width` tokens. With slices at least `count` long only the rank
  // just below is needed; shorter slices are shared whole, so the lower ranks' tails join up.
  const int64_t width = std::min(local, count);
  const torch::Tensor tails =
      all_gather_sp(x.narrow(1, local - width, width).unsqueeze(0), sp);  // (sp, N, width, ...)
  // Always a view of `tails`, even when empty (rank 0): every rank's graph must reach the gather,
  // or the reduce-scatter in its backward would wait forever for the ranks that skipped it.
  const int64_t ranks_back = std::min<int64_t>(sp.rank(), (count + width - 1) / width);
  const torch::Tensor before = tails.narrow(0, sp.rank() - ranks_back, ranks_back)
                                   .transpose(0, 1)
                                   .flatten(1, 2);  // (N, ranks_back * width, ...) in token order
  const int64_t keep = std::min(count, before.size(1));
  return before.narrow(1, before.size(1) - keep, keep);
}

}  // namespace vdit::parallel
