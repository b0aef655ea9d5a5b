#include "data/shard_writer.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "data/shard_reader.h"
#include "data/shard_set.h"
#include "tests/data/shard_test_utils.h"

namespace vdit::data {
namespace {

using shard_test::TempDir;

const ShardHeader kHeader{TokenSpace::kPixel, 3, PatchSize{1, 4}};
const BucketShape kBucket{1, 8, 8};

TEST(ShardWriter, FileAppearsOnlyOnClose) {
  TempDir dir("vdit-writer");
  const std::string path = dir.file("a.h5");
  ShardWriter writer = ShardWriter::create(path, kHeader);
  writer.add_sample(kBucket, shard_test::pixel_sample(kBucket, kHeader, 0));
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_TRUE(std::filesystem::exists(path + ".partial"));
  writer.close();
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".partial"));
  EXPECT_EQ(ShardReader::open(path).bucket(kBucket).samples, 1);
}

TEST(ShardWriter, AbandonedWriterLeavesNoFile) {
  TempDir dir("vdit-writer");
  const std::string path = dir.file("a.h5");
  {
    ShardWriter writer = ShardWriter::create(path, kHeader);
    writer.add_sample(kBucket, shard_test::pixel_sample(kBucket, kHeader, 0));
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".partial"));
}

TEST(ShardWriter, ThrowsInputErrorWhenSampleDoesNotMatchItsBucket) {
  TempDir dir("vdit-writer");
  ShardWriter writer = ShardWriter::create(dir.file("a.h5"), kHeader);
  writer.add_sample(kBucket, shard_test::pixel_sample(kBucket, kHeader, 0, 4));
  shard_test::expect_input_error(
      [&] { writer.add_sample(kBucket, shard_test::pixel_sample(kBucket, kHeader, 1, 5)); },
      {"sample 1 of bucket 1x8x8", "caption_ids has 5 values, the bucket has 4"});
  ShardSample short_tokens = shard_test::pixel_sample(kBucket, kHeader, 1, 4);
  short_tokens.pixel_tokens.pop_back();
  shard_test::expect_input_error([&] { writer.add_sample(kBucket, short_tokens); },
                                 {"pixel tokens have 191 values, expected 192"});
  EXPECT_THROW(writer.add_sample(BucketShape{1, 6, 6}, short_tokens), InputError);
  EXPECT_EQ(writer.samples(kBucket), 1);
}

// A latent shard from `vdit data pack --vae --text-encoder` with one sample of 2 channels.
ShardHeader latent_header(const std::string& vae_checksum) {
  ShardHeader header{TokenSpace::kLatent, 2, PatchSize{1, 2}};
  header.vae_checksum = vae_checksum;
  header.vae_scaling_factor = 0.25;
  header.text_encoder_checksum = "crc32:0000abcd-77";
  return header;
}

void write_latent_shard(const std::string& path, const ShardHeader& header) {
  ShardWriter writer = ShardWriter::create(path, header);
  ShardSample sample;
  sample.latent_tokens.assign(4 * 8, 0.5f);  // bucket 1x4x4, patch 1x2x2: 4 tokens of 8 values
  sample.caption_emb = {1, 2, 3, 4, 5, 6};
  sample.caption_emb_dim = 3;
  writer.add_sample(BucketShape{1, 4, 4}, sample);
  writer.close();
}

TEST(ShardWriter, RecordsTheVaeAndTextEncoderOfLatentShards) {
  TempDir dir("vdit-writer");
  write_latent_shard(dir.file("a.h5"), latent_header("crc32:12345678-900"));
  const ShardHeader read = ShardReader::open(dir.file("a.h5")).info().header;
  EXPECT_EQ(read.space, TokenSpace::kLatent);
  EXPECT_EQ(read.channels, 2);
  EXPECT_EQ(read.vae_checksum, "crc32:12345678-900");
  EXPECT_EQ(read.vae_scaling_factor, 0.25);
  EXPECT_EQ(read.text_encoder_checksum, "crc32:0000abcd-77");
  // A pixel shard records neither.
  shard_test::write_pixel_shard(dir.file("p.h5"), kHeader, {kBucket}, 1);
  const ShardHeader pixel = ShardReader::open(dir.file("p.h5")).info().header;
  EXPECT_TRUE(pixel.vae_checksum.empty());
  EXPECT_EQ(pixel.vae_scaling_factor, 0);
  EXPECT_TRUE(pixel.text_encoder_checksum.empty());
}

TEST(ShardWriter, RefusesAVaeChecksumOnAPixelShard) {
  TempDir dir("vdit-writer");
  ShardHeader header = kHeader;
  header.vae_checksum = "crc32:12345678-900";
  header.vae_scaling_factor = 1;
  shard_test::expect_input_error([&] { ShardWriter::create(dir.file("a.h5"), header); },
                                 {"a.h5", "needs space \"latent\"", "found space \"pixel\""});
}

TEST(ShardSet, RefusesShardsPackedWithDifferentVaes) {
  TempDir dir("vdit-writer");
  write_latent_shard(dir.file("a.h5"), latent_header("crc32:11111111-900"));
  write_latent_shard(dir.file("b.h5"), latent_header("crc32:22222222-900"));
  EXPECT_EQ(ShardSet::open({dir.file("a.h5")}).header().vae_checksum, "crc32:11111111-900");
  shard_test::expect_input_error(
      [&] {
        ShardSet::open({dir.file("a.h5"), dir.file("b.h5")});
      },
      {"b.h5", "crc32:22222222-900", "a.h5", "crc32:11111111-900", "same --vae"});
}

}  // namespace
}  // namespace vdit::data
