#include "data/local_batch.h"

#include <chrono>

namespace vdit::data {

LocalBatch load_local_batch(ShardSet& shards, BatchPlanner& planner, const DataRank& rank,
                            int64_t samples_consumed) {
  const auto start = std::chrono::steady_clock::now();
  const int64_t global_batch_size = planner.input().global_batch_size;
  const IndexRange samples = dp_sample_range(global_batch_size, rank.dp_rank, rank.dp_size);
  const GlobalBatch global = planner.global_batch(samples_consumed);
  const BucketInfo& info = shards.bucket(global.shape);
  const IndexRange tokens =
      sp_token_range(global.shape, info.tokens_per_sample, rank.sp_rank, rank.sp_size);

  LocalBatch batch;
  batch.samples_consumed_before = samples_consumed;
  batch.global_batch_index = global.index;
  batch.bucket = global.shape;
  batch.grid = patch_grid(global.shape, shards.header().patch);
  batch.batch = samples.size();
  batch.tokens_per_sample_local = tokens.size();
  batch.token_begin = tokens.begin;
  batch.token_dim = info.token_dim;
  batch.caption_length = info.caption_length;
  batch.caption_emb_length = info.caption_emb_length;
  batch.caption_emb_dim = info.caption_emb_dim;

  const auto sample_values = static_cast<size_t>(tokens.size() * info.token_dim);
  const auto emb_values = static_cast<size_t>(info.caption_emb_length * info.caption_emb_dim);
  batch.tokens.resize(static_cast<size_t>(batch.batch) * sample_values);
  batch.caption_ids.resize(static_cast<size_t>(batch.batch * info.caption_length));
  batch.caption_emb.resize(static_cast<size_t>(batch.batch) * emb_values);
  for (int64_t i = 0; i < batch.batch; ++i) {
    const int64_t position = samples.begin + i;
    const SampleRef& ref = global.samples[static_cast<size_t>(position)];
    const ShardSet::Location location = shards.locate(global.shape, ref.row);
    location.reader->read_tokens(global.shape, location.row, tokens.begin, tokens.size(),
                                 batch.tokens.data() + i * sample_values);
    if (info.has_caption_ids()) {
      location.reader->read_caption_ids(global.shape, location.row,
                                        batch.caption_ids.data() + i * info.caption_length);
    }
    if (info.has_caption_emb()) {
      location.reader->read_caption_emb(global.shape, location.row,
                                        batch.caption_emb.data() + i * emb_values);
    }
    batch.global_sample_index.push_back(samples_consumed + position);
    batch.sample_ids.push_back(ref.id);
  }
  batch.read_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return batch;
}

}  // namespace vdit::data
