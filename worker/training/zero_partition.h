// ZeRO-1 ownership: which rank of the data-parallel group keeps the AdamW state of a parameter and
// updates it (parameter-granular, as PyTorch's ZeroRedundancyOptimizer partitions).
#pragma once

#include <cstdint>
#include <vector>

namespace vdit::training {

// Owner rank of each parameter, given their element counts: `ranks` contiguous runs counted from
// the last parameter back to the first (the order backward produces gradients, so each gradient
// bucket has one owner and the reduction of the first-finished buckets goes to rank 0). A
// parameter joins the run in which its middle element falls when the total is cut into `ranks`
// equal parts, so each rank keeps about 1/ranks of the optimizer state (off by at most the
// largest parameter). Deterministic: every rank computes the same table.
std::vector<int> assign_parameter_owners(const std::vector<int64_t>& numels, int ranks);

}  // namespace vdit::training
