// libFuzzer target: any byte string given to ShardReader as a file must end in a vdit error, never
// in a crash, an abort, a sanitizer report or another exception type.
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "data/shard_reader.h"

namespace {

using vdit::data::BucketInfo;
using vdit::data::ShardReader;

// The reader trusts a valid shard's geometry and allocates one sample at a time, so a shard whose
// samples are legitimately huge is a memory budget question, not a bug: skip reading those.
constexpr int64_t kMaxValuesPerRead = int64_t{1} << 22;
// Rows read per bucket: the first few and the last, enough to reach every code path without
// making an input that declares millions of rows a timeout.
constexpr int64_t kLeadingRowsRead = 3;

// HDF5 opens files by name, so each input goes to a file; one per process because libFuzzer's
// -fork / -jobs modes run several processes side by side.
const std::string& input_path() {
  // Never destroyed, so that the exit handler that deletes the file can still read it.
  static const std::string* const path = [] {
    const auto* name =
        new std::string((std::filesystem::temp_directory_path() /
                         ("vdit-shard-fuzz-" + std::to_string(static_cast<long>(getpid())) + ".h5"))
                            .string());
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove(input_path(), ignored);
    });
    return name;
  }();
  return *path;
}

// a * b, or a value past every limit when the product overflows int64. ShardReader::open already
// rejects such sizes; saturating keeps this harness free of undefined behaviour of its own.
int64_t saturating_product(int64_t a, int64_t b) {
  int64_t product = 0;
  return __builtin_mul_overflow(a, b, &product) ? INT64_MAX : product;
}

std::vector<int64_t> rows_to_read(int64_t samples) {
  std::vector<int64_t> rows;
  for (int64_t row = 0; row < std::min(samples, kLeadingRowsRead); ++row) rows.push_back(row);
  if (samples > kLeadingRowsRead) rows.push_back(samples - 1);
  return rows;
}

// Reads everything a training run (and `vdit data inspect`) would read from one bucket.
void read_bucket(ShardReader& reader, const BucketInfo& bucket) {
  const int64_t token_values = saturating_product(bucket.tokens_per_sample, bucket.token_dim);
  const int64_t emb_values = saturating_product(bucket.caption_emb_length, bucket.caption_emb_dim);
  for (const int64_t row : rows_to_read(bucket.samples)) {
    if (token_values <= kMaxValuesPerRead) {
      reader.read_tokens(bucket.shape, row);
      if (reader.info().header.space == vdit::data::TokenSpace::kPixel) {
        reader.read_pixel_tokens(bucket.shape, row);
      }
    }
    if (bucket.has_caption_ids() && bucket.caption_length <= kMaxValuesPerRead) {
      reader.read_caption_ids(bucket.shape, row);
    }
    if (bucket.has_caption_emb() && emb_values <= kMaxValuesPerRead) {
      std::vector<float> embedding(static_cast<size_t>(emb_values));
      reader.read_caption_emb(bucket.shape, row, embedding.data());
    }
    reader.read_source(bucket.shape, row);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  {
    std::ofstream file(input_path(), std::ios::binary | std::ios::trunc);
    file.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    ShardReader reader = ShardReader::open(input_path());
    for (const BucketInfo& bucket : reader.info().buckets) read_bucket(reader, bucket);
  } catch (const vdit::InputError&) {
    // A malformed shard, reported as the user would see it: the expected outcome.
  } catch (const vdit::RuntimeError&) {
    // An HDF5 failure reported through H5_CHECK: also a clean outcome.
  }
  // Anything else (std::bad_alloc, std::out_of_range, ...) escapes and libFuzzer reports it.
  return 0;
}
