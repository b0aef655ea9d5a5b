// Which samples form global batch k of a curriculum stage: pure functions of (seed, stage,
// samples consumed, global batch size), the heart of exact resume on any mesh.
//
// Epoch e: each bucket's rows are permuted (hash of seed, stage, epoch, bucket shape) and cut into
// full batches of G (the remainder is dropped for that epoch); the list of all batches of all
// buckets is then permuted (hash of seed, stage, epoch). A bucket is thus drawn in proportion to
// its size, and every global batch holds clips of one shape. Global batch k = samples_consumed / G.
//
// Worked example: buckets A (5 rows) and B (4 rows), G = 2 -> A gives 2 batches (1 row dropped),
// B gives 2; an epoch has 4 global batches in a seeded order such as [B1, A0, B0, A1]; k = 5 is
// epoch 1, batch 1 of that epoch's own order.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "data/shard_format.h"

namespace vdit::data {

// A bucket eligible for a stage; its rows 0..samples-1 run across shards in shard order.
struct PlanBucket {
  BucketShape shape;
  int64_t samples = 0;
};

struct StagePlanInput {
  std::vector<PlanBucket> buckets;  // order matters: use ShardSet::buckets() (sorted by shape)
  uint64_t seed = 0;
  int64_t stage = 0;
  int64_t global_batch_size = 1;  // G
};

// One sample of a global batch. `id` ("8x32x32/17": bucket and row) is stable for a given shard
// list, whatever the mesh.
struct SampleRef {
  int64_t row = 0;
  std::string id;
};

struct GlobalBatch {
  int64_t index = 0;  // k = samples_consumed / G
  int64_t epoch = 0;
  int64_t batch_in_epoch = 0;
  size_t bucket_index = 0;  // into StagePlanInput::buckets
  BucketShape shape;
  std::vector<SampleRef> samples;  // G samples, in order
};

// One epoch's order, computed once and reused for all its batches (the loader caches it).
struct EpochPlan {
  int64_t epoch = 0;
  std::vector<std::vector<int64_t>> bucket_rows;    // per bucket: its rows, permuted
  std::vector<std::pair<size_t, int64_t>> batches;  // (bucket, batch within bucket), permuted
};

// Throws InputError on G < 1, no buckets, or a bucket with fewer than G samples.
void validate_plan_input(const StagePlanInput& input);
int64_t batches_per_epoch(const StagePlanInput& input);
EpochPlan plan_epoch(const StagePlanInput& input, int64_t epoch);
GlobalBatch batch_in_epoch(const StagePlanInput& input, const EpochPlan& epoch,
                           int64_t batch_in_epoch);
// Throws InputError unless samples_consumed is a non-negative multiple of G.
GlobalBatch plan_global_batch(const StagePlanInput& input, int64_t samples_consumed);

// plan_global_batch with the current epoch's order cached: same results, O(G) per batch.
class BatchPlanner {
 public:
  explicit BatchPlanner(StagePlanInput input);
  const StagePlanInput& input() const { return input_; }
  GlobalBatch global_batch(int64_t samples_consumed);

 private:
  StagePlanInput input_;
  int64_t batches_per_epoch_;
  EpochPlan epoch_;
  bool have_epoch_ = false;
};

// A half-open index range [begin, end).
struct IndexRange {
  int64_t begin = 0;
  int64_t end = 0;
  int64_t size() const { return end - begin; }
};

// Data-parallel rank r of dp takes samples [r*G/dp, (r+1)*G/dp) of each global batch.
// Throws InputError unless G % dp == 0 and 0 <= r < dp.
IndexRange dp_sample_range(int64_t global_batch_size, int dp_rank, int dp_size);
// Sequence-parallel rank s of sp takes tokens [s*L/sp, (s+1)*L/sp) of each sample.
// Throws InputError naming the bucket unless L % sp == 0.
IndexRange sp_token_range(const BucketShape& bucket, int64_t tokens_per_sample, int sp_rank,
                          int sp_size);

// Which buckets a curriculum stage trains on.
struct BucketFilter {
  int64_t frames_min = 1;
  int64_t frames_max = INT64_MAX;
  std::vector<std::string> resolutions;  // "HxW" each; empty = any resolution

  // Throws InputError on a malformed resolution or frames_min > frames_max.
  void validate() const;
  bool accepts(const BucketShape& bucket) const;
  std::string describe() const;  // "frames 1..8, resolutions 32x32 48x48"
};

struct StageBuckets {
  std::vector<PlanBucket> eligible;
  std::vector<std::string> warnings;  // one per bucket excluded for holding fewer than G samples
};

// The buckets a stage draws from: those the filter accepts and that can fill a global batch.
// Throws InputError naming the filter and the available buckets if none is left.
StageBuckets select_stage_buckets(const std::vector<PlanBucket>& available,
                                  const BucketFilter& filter, int64_t global_batch_size);

}  // namespace vdit::data
