#include "data/shard_writer.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "data/shard_reader.h"
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

}  // namespace
}  // namespace vdit::data
