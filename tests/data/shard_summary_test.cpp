#include "data/shard_summary.h"

#include <gtest/gtest.h>

#include "data/caption_tokenizer.h"
#include "data/synthetic_videos.h"
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

TEST(ShardSummary, ShowsMotionOfMultiFrameRgbClipsOnly) {
  shard_test::TempDir dir("vdit-summary-motion");
  SynthOptions options;
  options.out_dir = dir.file("synth");
  options.clips_per_bucket = 3;
  options.buckets = {{1, 16, 16}, {4, 16, 16}};
  const std::vector<std::string> paths = write_synthetic_dataset(options);
  ShardReader reader = ShardReader::open(paths.at(0));
  const std::string summary = summarize_shard(reader, 2);
  // Two shown clips of the 4-frame bucket get a motion line each; the still images none.
  size_t motion_lines = 0;
  for (size_t at = summary.find("motion: "); at != std::string::npos;
       at = summary.find("motion: ", at + 1)) {
    ++motion_lines;
  }
  EXPECT_EQ(motion_lines, 2u) << summary;
  EXPECT_LT(summary.find("bucket 4x16x16"), summary.find("motion: ")) << summary;
  EXPECT_NE(summary.find("frame 0 -> ("), std::string::npos) << summary;
  EXPECT_NE(summary.find(" frame 3, moved dx="), std::string::npos) << summary;
}

}  // namespace
}  // namespace vdit::data
