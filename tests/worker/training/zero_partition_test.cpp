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

TEST(AssignParameterOwners, IsTheSameTableOnEveryCall) {
  const std::vector<int64_t> numels = {5, 5, 5, 5, 9, 1};
  EXPECT_EQ(assign_parameter_owners(numels, 2), assign_parameter_owners(numels, 2));
  // 9 -> rank 0; the 5s in order to the lighter rank: 1, 1, 0, 1; the 1 -> rank 0 (15 vs 15).
  EXPECT_EQ(assign_parameter_owners(numels, 2), (std::vector<int>{1, 1, 0, 1, 0, 0}));
}

TEST(AssignParameterOwners, GivesEverythingToRankZeroWhenAlone) {
  EXPECT_EQ(assign_parameter_owners({3, 1, 2}, 1), (std::vector<int>{0, 0, 0}));
}

}  // namespace
}  // namespace vdit::training
