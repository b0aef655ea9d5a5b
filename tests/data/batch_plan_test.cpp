#include "data/batch_plan.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "core/error.h"

namespace vdit::data {
namespace {

StagePlanInput three_buckets(int64_t global_batch_size) {
  return StagePlanInput{
      {{BucketShape{1, 32, 32}, 40}, {BucketShape{4, 32, 32}, 25}, {BucketShape{8, 32, 32}, 9}},
      /*seed=*/11,
      /*stage=*/2,
      global_batch_size};
}

TEST(BatchPlan, EveryBatchHoldsOneBucketAndEachEpochUsesEverySampleOnce) {
  const StagePlanInput input = three_buckets(4);
  const int64_t per_epoch = batches_per_epoch(input);
  EXPECT_EQ(per_epoch, 10 + 6 + 2);
  for (int64_t epoch = 0; epoch < 2; ++epoch) {
    std::map<std::string, std::set<int64_t>> rows;
    std::map<std::string, int64_t> batches;
    for (int64_t k = epoch * per_epoch; k < (epoch + 1) * per_epoch; ++k) {
      const GlobalBatch batch = plan_global_batch(input, k * 4);
      EXPECT_EQ(batch.epoch, epoch);
      ASSERT_EQ(batch.samples.size(), 4u);
      const std::string bucket = batch.shape.name();
      ++batches[bucket];
      for (const SampleRef& sample : batch.samples) {
        EXPECT_EQ(sample.id, bucket + "/" + std::to_string(sample.row));
        EXPECT_TRUE(rows[bucket].insert(sample.row).second) << "repeated " << sample.id;
      }
    }
    // Bucket weighting: a bucket's share of batches is its share of full batches.
    EXPECT_EQ(batches["1x32x32"], 10);
    EXPECT_EQ(batches["4x32x32"], 6);
    EXPECT_EQ(batches["8x32x32"], 2);
    EXPECT_EQ(rows["1x32x32"].size(), 40u);
    EXPECT_EQ(rows["4x32x32"].size(), 24u);  // one row dropped this epoch
  }
}

TEST(BatchPlan, OrderDependsOnSeedStageAndEpoch) {
  StagePlanInput input = three_buckets(4);
  const GlobalBatch first = plan_global_batch(input, 0);
  EXPECT_EQ(plan_global_batch(input, 0).samples[0].id, first.samples[0].id);
  std::set<std::string> ids;
  for (uint64_t seed = 0; seed < 8; ++seed) {
    input.seed = seed;
    ids.insert(plan_global_batch(input, 0).samples[0].id);
  }
  EXPECT_GT(ids.size(), 1u);
  const int64_t per_epoch = batches_per_epoch(three_buckets(4));
  std::vector<std::string> epoch0, epoch1;
  for (int64_t k = 0; k < per_epoch; ++k) {
    epoch0.push_back(plan_global_batch(three_buckets(4), k * 4).samples[0].id);
    epoch1.push_back(plan_global_batch(three_buckets(4), (per_epoch + k) * 4).samples[0].id);
  }
  EXPECT_NE(epoch0, epoch1);
}

TEST(BatchPlan, PlannerCacheGivesTheSameBatchesAsThePureFunction) {
  BatchPlanner planner(three_buckets(4));
  for (int64_t k = 0; k < 40; ++k) {
    const GlobalBatch cached = planner.global_batch(k * 4);
    const GlobalBatch pure = plan_global_batch(three_buckets(4), k * 4);
    EXPECT_EQ(cached.shape, pure.shape);
    EXPECT_EQ(cached.index, k);
    for (size_t i = 0; i < pure.samples.size(); ++i) {
      EXPECT_EQ(cached.samples[i].id, pure.samples[i].id);
    }
  }
}

TEST(BatchPlan, ThrowsInputErrorWhenSamplesConsumedIsNotAMultipleOfBatch) {
  EXPECT_THROW(plan_global_batch(three_buckets(4), 6), InputError);
  EXPECT_THROW(plan_global_batch(three_buckets(4), -4), InputError);
}

TEST(BatchPlan, DataParallelSlicesTileTheGlobalBatch) {
  EXPECT_EQ(dp_sample_range(12, 0, 4).begin, 0);
  EXPECT_EQ(dp_sample_range(12, 3, 4).begin, 9);
  EXPECT_EQ(dp_sample_range(12, 3, 4).end, 12);
  try {
    dp_sample_range(10, 0, 4);
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what())
                  .find("global batch size 10 is not divisible by the "
                        "data-parallel size 4"),
              std::string::npos);
  }
}

TEST(BatchPlan, SequenceParallelRangeNamesTheBucketWhenTokensDoNotDivide) {
  const IndexRange range = sp_token_range(BucketShape{4, 32, 32}, 256, 1, 2);
  EXPECT_EQ(range.begin, 128);
  EXPECT_EQ(range.end, 256);
  try {
    sp_token_range(BucketShape{1, 12, 12}, 9, 0, 2);
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("bucket 1x12x12 has 9 tokens"), std::string::npos);
  }
}

TEST(BatchPlan, StageSelectionFiltersAndWarnsAboutBucketsTooSmallForABatch) {
  const std::vector<PlanBucket> available = three_buckets(16).buckets;
  BucketFilter filter;
  filter.frames_min = 4;
  const StageBuckets selected = select_stage_buckets(available, filter, 16);
  ASSERT_EQ(selected.eligible.size(), 1u);
  EXPECT_EQ(selected.eligible[0].shape, (BucketShape{4, 32, 32}));
  ASSERT_EQ(selected.warnings.size(), 1u);
  EXPECT_NE(selected.warnings[0].find("8x32x32"), std::string::npos);

  filter.frames_min = 1;
  filter.frames_max = 1;
  filter.resolutions = {"48x48"};
  EXPECT_THROW(select_stage_buckets(available, filter, 4), InputError);
  filter.resolutions = {"32x32"};
  EXPECT_EQ(select_stage_buckets(available, filter, 4).eligible.size(), 1u);
  filter.resolutions = {"32by32"};
  EXPECT_THROW(select_stage_buckets(available, filter, 4), InputError);
}

}  // namespace
}  // namespace vdit::data
