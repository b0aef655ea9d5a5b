#include "data/synthetic_videos.h"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

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
  const CaptionTokenizer tokenizer(kSynthCaptionLength);
  EXPECT_EQ(tokenizer.decode(reader.read_caption_ids(bucket, 0)), clip.caption);
}

bool has_two_shapes(const std::string& caption) {
  return caption.find(" and a ") != std::string::npos ||
         caption.find(" and an ") != std::string::npos;
}

// In a 200-clip 1x32x32 bucket 113 captions used to be cut at the 32-byte default, two-shape
// captions losing their second shape ("a small yellow square on the rig").
TEST(SyntheticVideos, EveryCaptionFitsTheDefaultLengthWhenWrittenWithDefaults) {
  shard_test::TempDir dir("vdit-synth-captions");
  SynthOptions options;
  options.out_dir = dir.file("out");
  options.clips_per_bucket = 200;
  options.buckets = {{1, 32, 32}};
  std::ostringstream warnings;
  options.warnings = &warnings;
  const std::vector<std::string> paths = write_synthetic_dataset(options);
  EXPECT_EQ(warnings.str(), "");
  ShardReader reader = ShardReader::open(paths[0], {TokenSpace::kPixel, 3, PatchSize{1, 4}});
  const CaptionTokenizer tokenizer(options.caption_length);
  int two_shapes = 0;
  for (int64_t row = 0; row < 200; ++row) {
    const std::string caption = render_synthetic_clip(0, row, options.buckets[0]).caption;
    EXPECT_EQ(tokenizer.decode(reader.read_caption_ids(options.buckets[0], row)), caption);
    two_shapes += has_two_shapes(caption);
  }
  // One clip in five is drawn with two shapes; those whose caption fits keep both (9 here).
  EXPECT_GT(two_shapes, 0);
}

TEST(SyntheticVideos, CaptionsFitTheDefaultLengthInEveryDefaultBucket) {
  std::set<std::string> motions;
  for (const BucketShape& bucket : default_synth_buckets()) {
    for (int64_t index = 0; index < 400; ++index) {
      const std::string caption = render_synthetic_clip(3, index, bucket).caption;
      EXPECT_LE(static_cast<int64_t>(caption.size()), kSynthCaptionLength) << caption;
      if (caption.find("left and right") != std::string::npos) motions.insert("bounce");
    }
  }
  EXPECT_EQ(motions.size(), 1u);
}

TEST(SyntheticVideos, DropsTheSecondShapeOnlyWhenTheCaptionWouldNotFit) {
  const BucketShape shape{8, 32, 32};
  int dropped = 0, kept = 0;
  for (int64_t index = 0; index < 300; ++index) {
    const SyntheticClip roomy = render_synthetic_clip(4, index, shape, 1000);
    const SyntheticClip clip = render_synthetic_clip(4, index, shape);
    if (static_cast<int64_t>(roomy.caption.size()) <= kSynthCaptionLength) {
      EXPECT_EQ(clip.caption, roomy.caption);
      EXPECT_EQ(clip.pixels, roomy.pixels);
      kept += has_two_shapes(roomy.caption);
    } else {
      ASSERT_TRUE(has_two_shapes(roomy.caption)) << roomy.caption;
      EXPECT_FALSE(has_two_shapes(clip.caption)) << clip.caption;
      EXPECT_EQ(roomy.caption.rfind(clip.caption + " and ", 0), 0u) << clip.caption;
      EXPECT_NE(clip.pixels, roomy.pixels);
      ++dropped;
    }
  }
  EXPECT_GT(dropped, 0);
  EXPECT_GT(kept, 0);
}

TEST(SyntheticVideos, WarnsOnceWithTheCountWhenCaptionsAreCut) {
  shard_test::TempDir dir("vdit-synth-cut");
  SynthOptions options;
  options.out_dir = dir.file("out");
  options.clips_per_bucket = 50;
  options.buckets = {{4, 16, 16}};
  options.caption_length = 20;
  std::ostringstream warnings;
  options.warnings = &warnings;
  write_synthetic_dataset(options);
  int64_t cut = 0;
  for (int64_t index = 0; index < 50; ++index) {
    cut += render_synthetic_clip(0, index, options.buckets[0], 20).caption.size() > 20;
  }
  ASSERT_GT(cut, 0);
  EXPECT_EQ(warnings.str(),
            caption_truncation_warning(
                cut, 50, 20, "set --caption-length, or model.caption_length, to keep them whole"));
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
