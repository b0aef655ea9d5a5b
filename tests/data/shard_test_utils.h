// Helpers for the shard tests: a scratch folder and small shards with known contents.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "data/shard_writer.h"

namespace vdit::data::shard_test {

// A fresh folder under the system temp dir, removed with everything in it at scope exit.
class TempDir {
 public:
  explicit TempDir(const std::string& name) {
    std::random_device seed;
    path_ = std::filesystem::temp_directory_path() /
            (name + "-" + std::to_string(seed()) + "-" + std::to_string(seed()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// The byte at (sample, value) of a pixel test shard: distinct per sample and position.
inline uint8_t pixel_value(int64_t sample, int64_t value) {
  return static_cast<uint8_t>((sample * 31 + value * 7) % 256);
}

// A pixel sample of `bucket` whose tokens follow pixel_value(sample, i).
inline ShardSample pixel_sample(const BucketShape& bucket, const ShardHeader& header,
                                int64_t sample, int64_t caption_length = 4) {
  const int64_t values =
      patch_grid(bucket, header.patch).tokens() * header.patch.token_dim(header.channels);
  ShardSample result;
  for (int64_t i = 0; i < values; ++i) result.pixel_tokens.push_back(pixel_value(sample, i));
  for (int64_t i = 0; i < caption_length; ++i) {
    result.caption_ids.push_back(static_cast<int32_t>(sample + i + 1));
  }
  result.source = "test:" + std::to_string(sample);
  return result;
}

// Writes a pixel shard with `samples` samples in each bucket; sample numbers start at first_sample.
inline void write_pixel_shard(const std::string& path, const ShardHeader& header,
                              const std::vector<BucketShape>& buckets, int64_t samples,
                              int64_t first_sample = 0) {
  ShardWriter writer = ShardWriter::create(path, header);
  for (const BucketShape& bucket : buckets) {
    for (int64_t i = 0; i < samples; ++i) {
      writer.add_sample(bucket, pixel_sample(bucket, header, first_sample + i));
    }
  }
  writer.close();
}

// Asserts that `call` throws InputError whose message contains every one of `parts`.
template <typename Call>
void expect_input_error(Call call, const std::vector<std::string>& parts) {
  try {
    call();
    ADD_FAILURE() << "expected vdit::InputError";
  } catch (const InputError& error) {
    const std::string message = error.what();
    for (const std::string& part : parts) {
      EXPECT_NE(message.find(part), std::string::npos)
          << "message \"" << message << "\" lacks \"" << part << "\"";
    }
  }
}

}  // namespace vdit::data::shard_test
