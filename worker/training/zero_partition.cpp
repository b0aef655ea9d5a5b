#include "worker/training/zero_partition.h"

#include <algorithm>
#include <numeric>

namespace vdit::training {

std::vector<int> assign_parameter_owners(const std::vector<int64_t>& numels, int ranks) {
  const int64_t total = std::accumulate(numels.begin(), numels.end(), int64_t{0});
  std::vector<int> owners(numels.size(), 0);
  if (ranks <= 1 || total == 0) return owners;
  int64_t before = 0;  // elements of the parameters after this one
  for (size_t i = numels.size(); i-- > 0;) {
    // Part index of the middle element: floor((before + numel / 2) * ranks / total).
    const int64_t part = (2 * before + numels[i]) * ranks / (2 * total);
    owners[i] = static_cast<int>(std::min<int64_t>(part, ranks - 1));
    before += numels[i];
  }
  return owners;
}

}  // namespace vdit::training
