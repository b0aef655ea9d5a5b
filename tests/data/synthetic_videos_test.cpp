#include "data/synthetic_videos.h"

#include <gtest/gtest.h>

#include <set>

#include "data/caption_tokenizer.h"
#include "data/patchify.h"
#include "data/shard_reader.h"
#include "tests/data/shard_test_utils.h"

namespace vdit::data {
namespace {

TEST(SyntheticVideos, ClipIsDeterministicFromSeedAndDiffersForAnotherSeed) {
  const BucketShape shape{8, 32, 32};
  const SyntheticClip a = render_synthetic_clip(5, 3, shape);
  const SyntheticClip b = render_synthetic_clip(5, 3, shape);
  EXPECT_EQ(a.pixels, b.pixels);
  EXPECT_EQ(a.caption, b.caption);
  int differing = 0;
  for (uint64_t seed = 6; seed < 10; ++seed) {
    differing += render_synthetic_clip(seed, 3, shape).pixels != a.pixels;
  }
  EXPECT_EQ(differing, 4);
  EXPECT_EQ(a.pixels.size(), 8u * 32u * 32u * 3u);
}

TEST(SyntheticVideos, CaptionsDescribeShapesAndMotion) {
  std::set<std::string> words;
  for (int64_t index = 0; index < 200; ++index) {
    const std::string caption = render_synthetic_clip(1, index, BucketShape{8, 32, 32}).caption;
    EXPECT_EQ(caption.rfind("a", 0), 0u) << caption;
    for (const char* word :
         {"circle", "square", "triangle", "moving", "bouncing", "red", "blue", "small", "large"}) {
      if (caption.find(word) != std::string::npos) words.insert(word);
    }
  }
  EXPECT_EQ(words.size(), 9u);
}

TEST(SyntheticVideos, MovingShapesChangeFramesAndImagesHaveOneFrame) {
  int moving = 0;
  for (int64_t index = 0; index < 20; ++index) {
    const SyntheticClip clip = render_synthetic_clip(2, index, BucketShape{4, 32, 32});
    const size_t frame = 32 * 32 * 3;
    moving += !std::equal(clip.pixels.begin(), clip.pixels.begin() + frame,
                          clip.pixels.begin() + 3 * frame);
  }
  EXPECT_GT(moving, 10);
}

TEST(SyntheticVideos, DatasetIsIdenticalForTheSameSeedAndDiffersForAnother) {
  shard_test::TempDir dir("vdit-synth");
  SynthOptions options;
  options.clips_per_bucket = 3;
  options.buckets = {{1, 16, 16}, {4, 16, 16}};
  options.shards = 2;
  options.seed = 9;
  options.out_dir = dir.file("a");
  const std::vector<std::string> first = write_synthetic_dataset(options);
  options.out_dir = dir.file("b");
  const std::vector<std::string> second = write_synthetic_dataset(options);
  options.out_dir = dir.file("c");
  options.seed = 10;
  const std::vector<std::string> other = write_synthetic_dataset(options);
  ASSERT_EQ(first.size(), 2u);
  for (size_t k = 0; k < first.size(); ++k) {
    ShardReader a = ShardReader::open(first[k]);
    ShardReader b = ShardReader::open(second[k]);
    ShardReader c = ShardReader::open(other[k]);
    for (const BucketInfo& bucket : a.info().buckets) {
      for (int64_t row = 0; row < bucket.samples; ++row) {
        EXPECT_EQ(a.read_pixel_tokens(bucket.shape, row), b.read_pixel_tokens(bucket.shape, row));
        EXPECT_NE(a.read_pixel_tokens(bucket.shape, row), c.read_pixel_tokens(bucket.shape, row));
        EXPECT_EQ(a.read_caption_ids(bucket.shape, row), b.read_caption_ids(bucket.shape, row));
      }
    }
  }
}

TEST(SyntheticVideos, ShardsHoldPatchifiedClipsCaptionsAndSources) {
  shard_test::TempDir dir("vdit-synth");
  SynthOptions options;
  options.out_dir = dir.file("out");
  options.clips_per_bucket = 4;
  options.seed = 21;
  options.shards = 2;
  const std::vector<std::string> paths = write_synthetic_dataset(options);
  ShardReader reader = ShardReader::open(paths[1], {TokenSpace::kPixel, 3, PatchSize{1, 4}});
  ASSERT_EQ(reader.info().buckets.size(), 5u);  // one per default curriculum stage
  const BucketShape bucket{16, 64, 64};
  // Shard 1 row 0 of the last bucket is clip index 4*4 + 1 = 17.
  EXPECT_EQ(reader.read_source(bucket, 0), "synthetic:21:17");
  const SyntheticClip clip = render_synthetic_clip(21, 17, bucket);
  EXPECT_EQ(unpatchify_hwc(reader.read_pixel_tokens(bucket, 0), bucket, 3, PatchSize{1, 4}),
            clip.pixels);
  const CaptionTokenizer tokenizer(32);
  EXPECT_EQ(tokenizer.decode(reader.read_caption_ids(bucket, 0)), clip.caption.substr(0, 32));
}

TEST(SyntheticVideos, ThrowsInputErrorWhenOptionsAreInvalid) {
  SynthOptions options;
  options.out_dir = "/tmp/unused-vdit-synth";
  options.patch = PatchSize{1, 5};
  EXPECT_THROW(write_synthetic_dataset(options), InputError);
  options.patch = PatchSize{1, 4};
  options.shards = 0;
  EXPECT_THROW(write_synthetic_dataset(options), InputError);
}

}  // namespace
}  // namespace vdit::data
