#include "data/shard_summary.h"

#include <gtest/gtest.h>

#include "data/caption_tokenizer.h"
#include "tests/data/shard_test_utils.h"

namespace vdit::data {
namespace {

TEST(ShardSummary, ListsHeaderBucketsDatasetsAndDecodedCaptions) {
  shard_test::TempDir dir("vdit-summary");
  const std::string path = dir.file("a.h5");
  const ShardHeader header{TokenSpace::kPixel, 3, PatchSize{1, 4}};
  const BucketShape bucket{2, 8, 8};
  ShardWriter writer = ShardWriter::create(path, header);
  for (int i = 0; i < 5; ++i) {
    ShardSample sample = shard_test::pixel_sample(bucket, header, i);
    sample.caption_ids = CaptionTokenizer(8).encode("clip " + std::to_string(i));
    writer.add_sample(bucket, sample);
  }
  writer.close();
  ShardReader reader = ShardReader::open(path);
  const std::string summary = summarize_shard(reader, 2);
  for (const std::string part :
       {path, std::string("format vdit-shard version 1, space pixel, channels 3, patch [1, 4, 4]"),
        std::string("bucket 2x8x8: 5 samples, patch grid 2x2x2"),
        std::string("tokens      [5, 8, 48] uint8"), std::string("caption_ids [5, 8] int32"),
        std::string("[1] \"clip 1\" (test:1)")}) {
    EXPECT_NE(summary.find(part), std::string::npos) << "missing \"" << part << "\" in\n"
                                                     << summary;
  }
  EXPECT_EQ(summary.find("clip 2"), std::string::npos);
}

}  // namespace
}  // namespace vdit::data
