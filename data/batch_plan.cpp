#include "data/batch_plan.h"

#include <fmt/core.h>
#include <fmt/format.h>

#include <numeric>

#include "core/error.h"
#include "data/splitmix64.h"

namespace vdit::data {

namespace {

// Distinguishes the two kinds of permutation drawn from the same (seed, stage, epoch).
constexpr uint64_t kRowsPurpose = 1;
constexpr uint64_t kBatchesPurpose = 2;

template <typename Item>
void shuffle(std::vector<Item>& items, uint64_t seed) {
  SplitMix64 random(seed);
  // Fisher-Yates, from the back.
  for (size_t i = items.size(); i > 1; --i) {
    std::swap(items[i - 1], items[random.below(i)]);
  }
}

uint64_t as_seed(int64_t value) { return static_cast<uint64_t>(value); }

std::string describe_buckets(const std::vector<PlanBucket>& buckets) {
  std::vector<std::string> parts;
  for (const PlanBucket& bucket : buckets) {
    parts.push_back(fmt::format("{} ({} samples)", bucket.shape.name(), bucket.samples));
  }
  return parts.empty() ? "none" : fmt::format("{}", fmt::join(parts, ", "));
}

}  // namespace

void validate_plan_input(const StagePlanInput& input) {
  if (input.global_batch_size < 1) {
    throw InputError(
        fmt::format("global batch size is {}, expected at least 1", input.global_batch_size));
  }
  if (input.buckets.empty()) throw InputError("the stage has no buckets to draw batches from");
  for (const PlanBucket& bucket : input.buckets) {
    if (bucket.samples < input.global_batch_size) {
      throw InputError(fmt::format("bucket {} has {} samples, fewer than the global batch size {}",
                                   bucket.shape.name(), bucket.samples, input.global_batch_size));
    }
  }
}

int64_t batches_per_epoch(const StagePlanInput& input) {
  int64_t batches = 0;
  for (const PlanBucket& bucket : input.buckets)
    batches += bucket.samples / input.global_batch_size;
  return batches;
}

EpochPlan plan_epoch(const StagePlanInput& input, int64_t epoch) {
  validate_plan_input(input);
  EpochPlan plan;
  plan.epoch = epoch;
  for (size_t b = 0; b < input.buckets.size(); ++b) {
    const PlanBucket& bucket = input.buckets[b];
    std::vector<int64_t> rows(static_cast<size_t>(bucket.samples));
    std::iota(rows.begin(), rows.end(), int64_t{0});
    // Keyed by the bucket's shape, not its position, so adding a bucket leaves the others' order.
    shuffle(rows, mix_seed({input.seed, as_seed(input.stage), as_seed(epoch), kRowsPurpose,
                            as_seed(bucket.shape.frames), as_seed(bucket.shape.height),
                            as_seed(bucket.shape.width)}));
    plan.bucket_rows.push_back(std::move(rows));
    for (int64_t batch = 0; batch < bucket.samples / input.global_batch_size; ++batch) {
      plan.batches.emplace_back(b, batch);
    }
  }
  shuffle(plan.batches,
          mix_seed({input.seed, as_seed(input.stage), as_seed(epoch), kBatchesPurpose}));
  return plan;
}

GlobalBatch batch_in_epoch(const StagePlanInput& input, const EpochPlan& epoch,
                           int64_t batch_in_epoch) {
  const auto& [bucket_index, bucket_batch] = epoch.batches.at(static_cast<size_t>(batch_in_epoch));
  const PlanBucket& bucket = input.buckets[bucket_index];
  GlobalBatch batch;
  batch.index = epoch.epoch * static_cast<int64_t>(epoch.batches.size()) + batch_in_epoch;
  batch.epoch = epoch.epoch;
  batch.batch_in_epoch = batch_in_epoch;
  batch.bucket_index = bucket_index;
  batch.shape = bucket.shape;
  const std::vector<int64_t>& rows = epoch.bucket_rows[bucket_index];
  const std::string bucket_name = bucket.shape.name();
  for (int64_t i = 0; i < input.global_batch_size; ++i) {
    const int64_t row = rows[static_cast<size_t>(bucket_batch * input.global_batch_size + i)];
    batch.samples.push_back(SampleRef{row, fmt::format("{}/{}", bucket_name, row)});
  }
  return batch;
}

namespace {

int64_t batch_index(const StagePlanInput& input, int64_t samples_consumed) {
  if (samples_consumed < 0 || samples_consumed % input.global_batch_size != 0) {
    throw InputError(fmt::format(
        "samples consumed is {}, expected a non-negative multiple of the global batch size {}",
        samples_consumed, input.global_batch_size));
  }
  return samples_consumed / input.global_batch_size;
}

}  // namespace

GlobalBatch plan_global_batch(const StagePlanInput& input, int64_t samples_consumed) {
  validate_plan_input(input);
  const int64_t index = batch_index(input, samples_consumed);
  const int64_t per_epoch = batches_per_epoch(input);
  return batch_in_epoch(input, plan_epoch(input, index / per_epoch), index % per_epoch);
}

BatchPlanner::BatchPlanner(StagePlanInput input) : input_(std::move(input)) {
  validate_plan_input(input_);
  batches_per_epoch_ = batches_per_epoch(input_);
}

GlobalBatch BatchPlanner::global_batch(int64_t samples_consumed) {
  const int64_t index = batch_index(input_, samples_consumed);
  const int64_t epoch = index / batches_per_epoch_;
  if (!have_epoch_ || epoch_.epoch != epoch) {
    epoch_ = plan_epoch(input_, epoch);
    have_epoch_ = true;
  }
  return batch_in_epoch(input_, epoch_, index % batches_per_epoch_);
}

IndexRange dp_sample_range(int64_t global_batch_size, int dp_rank, int dp_size) {
  if (dp_size < 1 || dp_rank < 0 || dp_rank >= dp_size) {
    throw InputError(fmt::format("data-parallel rank {} is outside [0, {})", dp_rank, dp_size));
  }
  if (global_batch_size % dp_size != 0) {
    throw InputError(fmt::format(
        "global batch size {} is not divisible by the data-parallel size {}; choose a multiple "
        "of {}",
        global_batch_size, dp_size, dp_size));
  }
  const int64_t local = global_batch_size / dp_size;
  return IndexRange{dp_rank * local, (dp_rank + 1) * local};
}

IndexRange sp_token_range(const BucketShape& bucket, int64_t tokens_per_sample, int sp_rank,
                          int sp_size) {
  if (sp_size < 1 || sp_rank < 0 || sp_rank >= sp_size) {
    throw InputError(fmt::format("sequence-parallel rank {} is outside [0, {})", sp_rank, sp_size));
  }
  if (tokens_per_sample % sp_size != 0) {
    throw InputError(fmt::format(
        "bucket {} has {} tokens per sample, not divisible by the sequence-parallel size {}",
        bucket.name(), tokens_per_sample, sp_size));
  }
  const int64_t local = tokens_per_sample / sp_size;
  return IndexRange{sp_rank * local, (sp_rank + 1) * local};
}

void BucketFilter::validate() const {
  if (frames_min < 1 || frames_min > frames_max) {
    throw InputError(fmt::format("bucket filter frames range {}..{} is empty or below 1",
                                 frames_min, frames_max));
  }
  for (const std::string& resolution : resolutions) {
    // Reuse the bucket parser: "HxW" is a bucket name without the frames.
    parse_bucket_shape("1x" + resolution,
                       fmt::format("bucket filter resolution \"{}\"", resolution));
  }
}

bool BucketFilter::accepts(const BucketShape& bucket) const {
  if (bucket.frames < frames_min || bucket.frames > frames_max) return false;
  if (resolutions.empty()) return true;
  const std::string resolution = fmt::format("{}x{}", bucket.height, bucket.width);
  for (const std::string& allowed : resolutions) {
    if (allowed == resolution) return true;
  }
  return false;
}

std::string BucketFilter::describe() const {
  const std::string frames = frames_max == INT64_MAX
                                 ? fmt::format("frames >= {}", frames_min)
                                 : fmt::format("frames {}..{}", frames_min, frames_max);
  if (resolutions.empty()) return frames + ", any resolution";
  return fmt::format("{}, resolutions {}", frames, fmt::join(resolutions, " "));
}

StageBuckets select_stage_buckets(const std::vector<PlanBucket>& available,
                                  const BucketFilter& filter, int64_t global_batch_size) {
  filter.validate();
  StageBuckets selected;
  for (const PlanBucket& bucket : available) {
    if (!filter.accepts(bucket.shape)) continue;
    if (bucket.samples < global_batch_size) {
      selected.warnings.push_back(
          fmt::format("bucket {} is skipped: its {} samples cannot fill a global batch of {}",
                      bucket.shape.name(), bucket.samples, global_batch_size));
      continue;
    }
    selected.eligible.push_back(bucket);
  }
  if (selected.eligible.empty()) {
    throw InputError(
        fmt::format("no bucket can feed this stage ({}, global batch size {}); the data has: {}",
                    filter.describe(), global_batch_size, describe_buckets(available)));
  }
  return selected;
}

}  // namespace vdit::data
