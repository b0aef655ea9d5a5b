#include "data/shard_reader.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "data/float16.h"
#include "data/shard_writer.h"
#include "tests/data/shard_test_utils.h"

namespace vdit::data {
namespace {

using shard_test::pixel_sample;
using shard_test::pixel_value;
using shard_test::TempDir;
using shard_test::write_pixel_shard;

const ShardHeader kPixelHeader{TokenSpace::kPixel, 3, PatchSize{1, 4}};

TEST(ShardReader, RoundTripReturnsWrittenPixelsScaledToMinusOneOne) {
  TempDir dir("vdit-shard-roundtrip");
  const std::string path = dir.file("a.h5");
  const BucketShape image{1, 8, 8}, clip{2, 8, 12};
  write_pixel_shard(path, kPixelHeader, {image, clip}, 3);

  ShardReader reader = ShardReader::open(path, {TokenSpace::kPixel, 3, PatchSize{1, 4}});
  const ShardInfo& info = reader.info();
  EXPECT_EQ(info.version, 1);
  ASSERT_EQ(info.buckets.size(), 2u);
  const BucketInfo& bucket = reader.bucket(clip);
  EXPECT_EQ(bucket.samples, 3);
  EXPECT_EQ(bucket.tokens_per_sample, 2 * 2 * 3);
  EXPECT_EQ(bucket.token_dim, 48);
  EXPECT_EQ(bucket.caption_length, 4);
  EXPECT_FALSE(bucket.has_caption_emb());

  const std::vector<float> tokens = reader.read_tokens(clip, 2);
  ASSERT_EQ(tokens.size(), 12u * 48u);
  for (size_t i = 0; i < tokens.size(); ++i) {
    ASSERT_FLOAT_EQ(tokens[i], pixel_value(2, static_cast<int64_t>(i)) / 127.5f - 1.0f);
  }
  EXPECT_EQ(reader.read_pixel_tokens(clip, 1), pixel_sample(clip, kPixelHeader, 1).pixel_tokens);
  EXPECT_EQ(reader.read_caption_ids(image, 1), pixel_sample(image, kPixelHeader, 1).caption_ids);
  EXPECT_EQ(reader.read_source(clip, 2), "test:2");
}

TEST(ShardReader, TokenRangesReassembleTheWholeSample) {
  TempDir dir("vdit-shard-slices");
  const std::string path = dir.file("a.h5");
  const BucketShape clip{4, 8, 8};
  write_pixel_shard(path, kPixelHeader, {clip}, 2);
  ShardReader reader = ShardReader::open(path);
  const std::vector<float> whole = reader.read_tokens(clip, 1);
  const int64_t tokens = reader.bucket(clip).tokens_per_sample;  // 16
  const int64_t dim = reader.bucket(clip).token_dim;
  std::vector<float> joined;
  for (const int64_t begin : {0, 3, 8, 15}) {
    const int64_t end = begin == 15 ? tokens : (begin == 0 ? 3 : (begin == 3 ? 8 : 15));
    std::vector<float> part(static_cast<size_t>((end - begin) * dim));
    reader.read_tokens(clip, 1, begin, end - begin, part.data());
    joined.insert(joined.end(), part.begin(), part.end());
  }
  EXPECT_EQ(joined, whole);
}

TEST(ShardReader, LatentTokensAndCaptionEmbeddingsRoundTripAsFloat16) {
  TempDir dir("vdit-shard-latent");
  const std::string path = dir.file("latent.h5");
  const ShardHeader header{TokenSpace::kLatent, 4, PatchSize{1, 2}};
  const BucketShape bucket{2, 4, 4};
  ShardWriter writer = ShardWriter::create(path, header);
  ShardSample sample;
  for (int i = 0; i < 2 * 2 * 2 * 16; ++i) sample.latent_tokens.push_back(0.25f * (i % 9) - 1.0f);
  sample.caption_emb = {0.5f, -2.0f, 3.0f, 1.5f, 0.0f, -0.125f};
  sample.caption_emb_dim = 3;
  sample.source = "latent:0";
  writer.add_sample(bucket, sample);
  writer.close();

  ShardReader reader = ShardReader::open(path, {TokenSpace::kLatent, 4, PatchSize{1, 2}});
  EXPECT_EQ(reader.read_tokens(bucket, 0), sample.latent_tokens);  // exact in float16
  const BucketInfo& info = reader.bucket(bucket);
  EXPECT_EQ(info.caption_emb_length, 2);
  EXPECT_EQ(info.caption_emb_dim, 3);
  std::vector<float> embedding(6);
  reader.read_caption_emb(bucket, 0, embedding.data());
  EXPECT_EQ(embedding, sample.caption_emb);
}

TEST(ShardReader, ThrowsInputErrorWhenModelExpectsAnotherPatch) {
  TempDir dir("vdit-shard-expect");
  const std::string path = dir.file("a.h5");
  write_pixel_shard(path, kPixelHeader, {BucketShape{1, 8, 8}}, 1);
  shard_test::expect_input_error(
      [&] {
        ShardReader::open(path, {std::nullopt, std::nullopt, PatchSize{1, 2}});
      },
      {path, "patch is [1, 4, 4]", "expects [1, 2, 2]"});
  shard_test::expect_input_error(
      [&] {
        ShardReader::open(path, {std::nullopt, 4, std::nullopt});
      },
      {path, "channels is 3", "expects 4"});
}

TEST(Float16, ConvertsExactlyRepresentableValuesAndSpecials) {
  for (const float value : {0.0f, -0.0f, 1.0f, -2.5f, 65504.0f, 6.1035156e-05f, 5.9604645e-08f}) {
    EXPECT_EQ(half_to_float(float_to_half(value)), value);
  }
  EXPECT_TRUE(std::isinf(half_to_float(float_to_half(1e6f))));
  EXPECT_TRUE(std::isnan(half_to_float(float_to_half(std::numeric_limits<float>::quiet_NaN()))));
  EXPECT_EQ(float_to_half(1.0f + 1.0f / 4096), float_to_half(1.0f));  // rounds to nearest even
}

}  // namespace
}  // namespace vdit::data
