// The part of a global batch one (dp, sp) rank trains on, and the function that reads it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/batch_plan.h"
#include "data/shard_set.h"

namespace vdit::data {

// Where this rank sits in the data mesh: which samples (dp) and which tokens (sp) it reads.
struct DataRank {
  int dp_rank = 0;
  int dp_size = 1;
  int sp_rank = 0;
  int sp_size = 1;
};

struct LocalBatch {
  int64_t samples_consumed_before = 0;  // the run's data position when this global batch starts
  int64_t global_batch_index = 0;       // samples_consumed_before / G
  BucketShape bucket;                   // T, H, W of every clip in the batch
  PatchGrid grid;                       // (T', H', W'), for the positional embedding
  int64_t batch = 0;                    // local samples (G / dp)
  int64_t tokens_per_sample_local = 0;  // L / sp
  int64_t token_begin = 0;              // first token of this rank's slice, s * L / sp
  int64_t token_dim = 0;                // pt*p*p*C
  std::vector<float> tokens;            // [batch, L_local, token_dim], pixels in [-1, 1]
  int64_t caption_length = 0;           // Lc; 0 when the bucket has no caption_ids
  std::vector<int32_t> caption_ids;     // [batch, Lc], or empty
  int64_t caption_emb_length = 0;       // Lc of caption_emb; 0 when absent
  int64_t caption_emb_dim = 0;          // D
  std::vector<float> caption_emb;       // [batch, Lc, D], or empty
  // samples_consumed_before + position in the global batch: seeds each sample's noise, so the
  // noise is the same whatever the mesh.
  std::vector<int64_t> global_sample_index;
  std::vector<std::string> sample_ids;  // "8x32x32/17", stable for a shard list
  double read_seconds = 0;              // time spent in HDF5 reads and conversion
};

// Reads this rank's part of the global batch at `samples_consumed`. Only the rank's samples and
// token range are read (HDF5 hyperslabs), never a whole sample of another rank.
// Throws InputError on a bad rank layout (G % dp, L % sp) or a bad value in a shard.
LocalBatch load_local_batch(ShardSet& shards, BatchPlanner& planner, const DataRank& rank,
                            int64_t samples_consumed);

}  // namespace vdit::data
