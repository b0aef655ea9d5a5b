// Streams this rank's batches from HDF5 shards on one background thread, a bounded queue ahead.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "data/batch_plan.h"
#include "data/local_batch.h"
#include "data/shard_set.h"

namespace vdit::data {

struct LoaderOptions {
  std::vector<std::string> shard_paths;
  ShardExpectations expected;  // from the model config: space, channels, patch
  BucketFilter filter;         // the curriculum stage's buckets
  uint64_t seed = 0;
  int64_t stage = 0;
  int64_t global_batch_size = 1;
  DataRank rank;
  int64_t samples_consumed = 0;  // where to start: from the checkpoint when resuming
  int prefetch_depth = 2;        // batches read ahead; memory is depth x one local batch
};

struct LoadedBatch {
  LocalBatch batch;
  double wait_seconds = 0;  // how long next() blocked: data-wait time the trainer reports
};

// Every validation (all shards, the filter, G % dp, L % sp of every eligible bucket) happens in the
// constructor, on the caller's thread, so a bad data set fails before training starts. After
// that the background thread is the only user of the shards. Batches continue across epochs
// without end; the trainer stops at its stage's end and builds a new loader for the next stage.
class StreamingLoader {
 public:
  explicit StreamingLoader(LoaderOptions options);
  // Stops and joins the reader thread. Never hangs: the thread waits only on this object's
  // condition variable, and at most finishes the batch it is reading.
  ~StreamingLoader();
  StreamingLoader(const StreamingLoader&) = delete;
  StreamingLoader& operator=(const StreamingLoader&) = delete;

  // The next batch in order. Rethrows (on this thread) an error the reader thread hit.
  LoadedBatch next();

  // The stage's buckets, and one warning per bucket skipped for holding fewer than G samples.
  const std::vector<PlanBucket>& buckets() const { return stage_.eligible; }
  const std::vector<std::string>& warnings() const { return stage_.warnings; }
  const ShardHeader& header() const { return shards_.header(); }

 private:
  void read_ahead() noexcept;

  LoaderOptions options_;
  ShardSet shards_;
  StageBuckets stage_;
  BatchPlanner planner_;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<LocalBatch> ready_;
  std::exception_ptr error_;
  bool stopping_ = false;
  std::thread reader_;  // last: starts after everything above is built
};

}  // namespace vdit::data
