#include "data/loader.h"

#include <fmt/core.h>

#include <chrono>

namespace vdit::data {

namespace {

StageBuckets select_and_check(const ShardSet& shards, const LoaderOptions& options) {
  if (options.prefetch_depth < 1) {
    throw InputError(
        fmt::format("prefetch depth is {}, expected at least 1", options.prefetch_depth));
  }
  dp_sample_range(options.global_batch_size, options.rank.dp_rank, options.rank.dp_size);
  StageBuckets selected =
      select_stage_buckets(shards.buckets(), options.filter, options.global_batch_size);
  for (const PlanBucket& bucket : selected.eligible) {
    sp_token_range(bucket.shape, shards.bucket(bucket.shape).tokens_per_sample,
                   options.rank.sp_rank, options.rank.sp_size);
  }
  return selected;
}

}  // namespace

StreamingLoader::StreamingLoader(LoaderOptions options)
    : options_(std::move(options)),
      shards_(ShardSet::open(options_.shard_paths, options_.expected)),
      stage_(select_and_check(shards_, options_)),
      planner_(StagePlanInput{stage_.eligible, options_.seed, options_.stage,
                              options_.global_batch_size}) {
  // Checked here rather than as the reader's first failure, so the caller sees it at once.
  planner_.global_batch(options_.samples_consumed);
  reader_ = std::thread([this] { read_ahead(); });
}

StreamingLoader::~StreamingLoader() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (reader_.joinable()) reader_.join();
}

void StreamingLoader::read_ahead() noexcept {
  int64_t samples_consumed = options_.samples_consumed;
  try {
    while (true) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [&] {
          return stopping_ || static_cast<int>(ready_.size()) < options_.prefetch_depth;
        });
        if (stopping_) return;
      }
      LocalBatch batch = load_local_batch(shards_, planner_, options_.rank, samples_consumed);
      samples_consumed += options_.global_batch_size;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        ready_.push_back(std::move(batch));
      }
      changed_.notify_all();
    }
  } catch (...) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      error_ = std::current_exception();
    }
    changed_.notify_all();
  }
}

LoadedBatch StreamingLoader::next() {
  const auto start = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return !ready_.empty() || error_ != nullptr; });
  if (ready_.empty()) std::rethrow_exception(error_);
  LoadedBatch loaded;
  loaded.batch = std::move(ready_.front());
  ready_.pop_front();
  lock.unlock();
  changed_.notify_all();
  loaded.wait_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return loaded;
}

}  // namespace vdit::data
