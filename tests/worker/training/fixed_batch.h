// The local batch the trainer tests step on: 4 clips of 2 frames at 8x8 pixels (patch 4 -> 8 tokens
// of 48 values), tokens uniform in [-1, 1) from torch's current generator, caption ids all 5.
#pragma once

#include <torch/torch.h>

#include "data/local_batch.h"

namespace vdit::testing {

inline data::LocalBatch fixed_batch() {
  data::LocalBatch batch;
  batch.bucket = data::BucketShape{2, 8, 8};
  batch.grid = PatchGrid{2, 2, 2};
  batch.batch = 4;
  batch.tokens_per_sample_local = 8;
  batch.token_dim = 48;
  const auto tokens = torch::rand({4, 8, 48}) * 2 - 1;  // (4, 8, 48)
  batch.tokens.assign(tokens.data_ptr<float>(), tokens.data_ptr<float>() + tokens.numel());
  batch.caption_length = 8;
  batch.caption_ids.assign(32, 5);
  batch.global_sample_index = {0, 1, 2, 3};
  return batch;
}

}  // namespace vdit::testing
