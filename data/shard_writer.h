// Writes one vdit-shard HDF5 file: samples are appended to buckets, the file appears on close().
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "data/hdf5_handle.h"
#include "data/shard_format.h"

namespace vdit::data {

// One sample as the writer takes it. Exactly one of pixel_tokens / latent_tokens is filled,
// matching the shard's space; both are [L, token_dim] in the layout of patchify_hwc.
struct ShardSample {
  std::vector<uint8_t> pixel_tokens;
  std::vector<float> latent_tokens;  // stored as float16
  std::vector<int32_t> caption_ids;  // [Lc], or empty for none
  std::vector<float> caption_emb;    // [Lc_emb, caption_emb_dim] stored as float16, or empty
  int64_t caption_emb_dim = 0;
  std::string source;  // where the clip came from, e.g. "video.mp4:clip3" or "synthetic:7:12"
};

// Writes to "<path>.partial" and renames it to `path` in close(), so a crash never leaves a file
// that looks like a complete shard. A writer destroyed without close() deletes its partial file.
class ShardWriter {
 public:
  // Throws RuntimeError if the file cannot be created, InputError on an invalid header.
  static ShardWriter create(const std::string& path, const ShardHeader& header);

  ShardWriter(ShardWriter&&) noexcept;
  ShardWriter& operator=(ShardWriter&&) = delete;
  ShardWriter(const ShardWriter&) = delete;
  ShardWriter& operator=(const ShardWriter&) = delete;
  ~ShardWriter();

  // Appends one sample to the bucket, creating the bucket on first use. The first sample of a
  // bucket decides whether it has caption_ids / caption_emb and their lengths; later samples must
  // match (InputError otherwise, as for tokens of the wrong size).
  void add_sample(const BucketShape& bucket, const ShardSample& sample);
  // Flushes, closes and renames the file into place. Throws RuntimeError on I/O failure.
  void close();

  const std::string& path() const { return path_; }
  int64_t samples(const BucketShape& bucket) const;

 private:
  struct BucketDatasets {
    int64_t samples = 0;
    int64_t tokens_per_sample = 0;
    int64_t caption_length = 0;      // 0: no caption_ids dataset
    int64_t caption_emb_length = 0;  // 0: no caption_emb dataset
    int64_t caption_emb_dim = 0;
    H5Handle group, tokens, caption_ids, caption_emb, source;
  };

  ShardWriter(std::string path, const ShardHeader& header);
  BucketDatasets& bucket_datasets(const BucketShape& bucket, const ShardSample& first_sample);
  void check_sample(const BucketShape& bucket, const BucketDatasets& datasets,
                    const ShardSample& sample) const;

  std::string path_;
  std::string partial_path_;
  ShardHeader header_;
  H5Handle float16_type_;
  H5Handle string_type_;
  H5Handle file_;
  H5Handle buckets_group_;
  std::map<BucketShape, BucketDatasets> buckets_;
  bool closed_ = false;
};

}  // namespace vdit::data
