#include "worker/training/zero_partition.h"

#include <algorithm>
#include <numeric>

namespace vdit::training {

std::vector<int> assign_parameter_owners(const std::vector<int64_t>& numels, int ranks) {
  std::vector<size_t> order(numels.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return numels[a] > numels[b]; });
  std::vector<int64_t> load(static_cast<size_t>(std::max(ranks, 1)), 0);
  std::vector<int> owners(numels.size(), 0);
  for (const size_t parameter : order) {
    const auto lightest = std::min_element(load.begin(), load.end()) - load.begin();
    owners[parameter] = static_cast<int>(lightest);
    load[static_cast<size_t>(lightest)] += numels[parameter];
  }
  return owners;
}

}  // namespace vdit::training
