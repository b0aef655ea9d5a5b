#include "checkpoints/shard_layout.h"

#include <gtest/gtest.h>

#include <set>

namespace vdit::checkpoints {
namespace {

// Every file name the mesh's ranks write, each once.
std::set<std::string> written(const ShardLayout& layout) {
  std::set<std::string> names;
  for (int64_t d = 0; d < layout.dp; ++d)
    for (int64_t s = 0; s < layout.sp; ++s)
      for (int64_t t = 0; t < layout.tp; ++t)
        if (const auto file = layout.file_of(d, s, t)) EXPECT_TRUE(names.insert(*file).second);
  return names;
}

TEST(ShardLayout, OneStateFilePerTpRankWhenTheOptimizerIsNotSharded) {
  const ShardLayout layout{2, 2, 2, false};
  EXPECT_EQ(layout.files(), 2);
  EXPECT_EQ(written(layout), (std::set<std::string>{"state-tp0-of-2.h5", "state-tp1-of-2.h5"}));
  EXPECT_FALSE(layout.file_of(1, 0, 1).has_value());
}

TEST(ShardLayout, EveryRankWritesAFileWhenZero1ShardsTheOptimizer) {
  const ShardLayout layout{2, 1, 2, true};
  EXPECT_EQ(layout.files(), 4);
  EXPECT_EQ(written(layout).size(), 4u);
  EXPECT_EQ(layout.file_of(1, 0, 1), "optim-dp1-sp0-tp1.h5");
  EXPECT_EQ(ShardLayout({1, 1, 2, true}).files(), 2);  // one dp x sp rank: nothing to shard
}

}  // namespace
}  // namespace vdit::checkpoints
