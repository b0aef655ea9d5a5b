// ZeRO-1 ownership: which rank of the data-parallel group keeps the AdamW state of a parameter and
// updates it (parameter-granular, as PyTorch's ZeroRedundancyOptimizer partitions).
#pragma once

#include <cstdint>
#include <vector>

namespace vdit::training {

// Owner rank of each parameter, given their element counts: the largest parameter first goes to
// the rank holding the fewest elements so far (ties: the lower rank, then the earlier parameter),
// so every rank keeps about 1/ranks of the optimizer state. Deterministic: every rank computes
// the same table.
std::vector<int> assign_parameter_owners(const std::vector<int64_t>& numels, int ranks);

}  // namespace vdit::training
