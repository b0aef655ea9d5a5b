#include "worker/training/zero_partition.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace vdit::training {
namespace {

TEST(AssignParameterOwners, BalancesElementsWithinTheLargestParameter) {
  const std::vector<int64_t> numels = {1000, 10, 400, 400, 300, 7, 250, 60, 60, 500};
  const std::vector<int> owners = assign_parameter_owners(numels, 3);
  ASSERT_EQ(owners.size(), numels.size());
  std::vector<int64_t> load(3, 0);
  for (size_t i = 0; i < numels.size(); ++i) {
    ASSERT_GE(owners[i], 0);
    ASSERT_LT(owners[i], 3);
    load[static_cast<size_t>(owners[i])] += numels[i];
  }
  const auto [lightest, heaviest] = std::minmax_element(load.begin(), load.end());
  EXPECT_LE(*heaviest - *lightest, 1000);
  EXPECT_GT(*lightest, 0);
}

TEST(AssignParameterOwners, CutsContiguousRunsFromTheLastParameter) {
  // Total 30, halves of 15: from the back 1, 9, 5 (middle 12.5) go to rank 0, the rest to 1.
  EXPECT_EQ(assign_parameter_owners({5, 5, 5, 5, 9, 1}, 2), (std::vector<int>{1, 1, 1, 0, 0, 0}));
  const std::vector<int> owners = assign_parameter_owners({7, 1, 1, 30, 2, 2, 2, 9, 4}, 4);
  for (size_t i = 0; i + 1 < owners.size(); ++i) {
    EXPECT_GE(owners[i], owners[i + 1]) << "owners must not decrease from the back, at " << i;
  }
  EXPECT_EQ(owners.front(), 3);
  EXPECT_EQ(owners.back(), 0);
}

TEST(AssignParameterOwners, GivesEverythingToRankZeroWhenAlone) {
  EXPECT_EQ(assign_parameter_owners({3, 1, 2}, 1), (std::vector<int>{0, 0, 0}));
}

}  // namespace
}  // namespace vdit::training
