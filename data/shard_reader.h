// Opens and validates one vdit-shard file, then reads samples (or token ranges of them) as floats.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "data/hdf5_handle.h"
#include "data/shard_format.h"

namespace vdit::data {

struct BucketInfo {
  BucketShape shape;
  int64_t samples = 0;             // N
  int64_t tokens_per_sample = 0;   // L
  int64_t token_dim = 0;           // pt*p*p*C
  int64_t caption_length = 0;      // Lc of caption_ids; 0 when the bucket has none
  int64_t caption_emb_length = 0;  // Lc of caption_emb; 0 when the bucket has none
  int64_t caption_emb_dim = 0;     // D of caption_emb
  bool has_caption_ids() const { return caption_length > 0; }
  bool has_caption_emb() const { return caption_emb_length > 0; }
};

struct ShardInfo {
  std::string path;
  int64_t version = kShardVersion;
  ShardHeader header;
  std::vector<BucketInfo> buckets;  // sorted by shape
};

// All reads go through HDF5 hyperslabs of one sample, so memory use is one sample (or less) no
// matter how large the shard. Readers of different files may run on different threads at once (HDF5
// is built thread-safe and serializes its calls); one reader must not be used
// from two threads at once (it keeps scratch buffers).
class ShardReader {
 public:
  // Validates everything a training run relies on before returning: format, version, space,
  // channels and patch (also against `expected`), bucket names, dtypes, ranks, shapes consistent
  // between datasets, non-empty buckets. Every problem is an InputError naming the file, the
  // dataset or attribute, the value found and the value expected.
  static ShardReader open(const std::string& path, const ShardExpectations& expected = {});

  const ShardInfo& info() const { return info_; }
  const std::string& path() const { return info_.path; }
  // Throws InputError if the shard has no such bucket.
  const BucketInfo& bucket(const BucketShape& shape) const;

  // Tokens [token_begin, token_begin + token_count) of sample `row` into `out`
  // (token_count * token_dim floats). Pixel values v map to v / 127.5 - 1 in [-1, 1]; float16
  // latents are widened. A NaN or Inf is an InputError naming file, bucket and sample.
  void read_tokens(const BucketShape& shape, int64_t row, int64_t token_begin, int64_t token_count,
                   float* out);
  std::vector<float> read_tokens(const BucketShape& shape, int64_t row);
  // Raw uint8 tokens of a pixel shard, e.g. for writing frames back out.
  std::vector<uint8_t> read_pixel_tokens(const BucketShape& shape, int64_t row);
  // [Lc] ids; the bucket must have caption_ids.
  void read_caption_ids(const BucketShape& shape, int64_t row, int32_t* out);
  std::vector<int32_t> read_caption_ids(const BucketShape& shape, int64_t row);
  // [Lc, D] floats; the bucket must have caption_emb.
  void read_caption_emb(const BucketShape& shape, int64_t row, float* out);
  std::string read_source(const BucketShape& shape, int64_t row);

 private:
  struct BucketDatasets {
    H5Handle tokens, caption_ids, caption_emb, source;
  };

  ShardReader() = default;
  size_t bucket_index(const BucketShape& shape) const;
  // Reads rows [row, row+1) x [begin, begin+count) x all of the inner dims into `out`.
  void read_row_slab(hid_t dataset, hid_t memory_type, int64_t row, int64_t begin, int64_t count,
                     int64_t inner, void* out, const std::string& context);

  ShardInfo info_;
  H5Handle file_;
  H5Handle float16_type_;
  H5Handle string_type_;
  std::vector<BucketDatasets> datasets_;  // parallel to info_.buckets
  std::vector<uint8_t> pixel_scratch_;
  std::vector<uint16_t> half_scratch_;
};

}  // namespace vdit::data
