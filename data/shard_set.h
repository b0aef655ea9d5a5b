// All shards of a data set, opened and validated together; a bucket's rows run across shards.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/batch_plan.h"
#include "data/shard_reader.h"

namespace vdit::data {

// Row r of a bucket is found by walking the shards in sorted path order, so (bucket, row) names
// the same sample whatever order the paths were given in.
class ShardSet {
 public:
  // Opens every shard (validating each against `expected`) and checks that they agree with each
  // other: one space, channel count and patch size; per bucket the same caption datasets and
  // lengths. Throws InputError naming the file on the first problem, before any training starts.
  static ShardSet open(std::vector<std::string> paths, const ShardExpectations& expected = {});

  const ShardHeader& header() const { return header_; }
  const std::vector<std::string>& paths() const { return paths_; }
  // Every bucket with its total sample count over all shards, sorted by shape.
  const std::vector<PlanBucket>& buckets() const { return buckets_; }
  // The bucket's merged description (samples = total over shards). InputError if absent.
  const BucketInfo& bucket(const BucketShape& shape) const;

  struct Location {
    ShardReader* reader = nullptr;
    int64_t row = 0;  // within that shard
  };
  // Where row `row` of the bucket lives. Throws std::out_of_range past the bucket's end.
  Location locate(const BucketShape& shape, int64_t row);

 private:
  struct BucketRows {
    BucketInfo merged;
    std::vector<size_t> shards;      // indices into readers_ holding this bucket
    std::vector<int64_t> first_row;  // global row of each of those shards' row 0
  };

  ShardHeader header_;
  std::vector<std::string> paths_;
  std::vector<ShardReader> readers_;
  std::vector<BucketRows> rows_;  // parallel to buckets_
  std::vector<PlanBucket> buckets_;
};

}  // namespace vdit::data
