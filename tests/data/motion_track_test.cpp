#include "data/motion_track.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "core/error.h"
#include "data/splitmix64.h"
#include "data/synthetic_videos.h"

namespace vdit::data {
namespace {

RgbVideo video_of(const SyntheticClip& clip) {
  return RgbVideo{static_cast<int>(clip.shape.frames), static_cast<int>(clip.shape.height),
                  static_cast<int>(clip.shape.width), clip.pixels};
}

// The first 8x32x32 clip (seed 0) showing one shape whose caption ends with `motion`. Two shapes
// are joined as "<shape> and a <shape>".
std::optional<SyntheticClip> single_shape_clip(const std::string& motion) {
  const BucketShape shape{8, 32, 32};
  for (int64_t index = 0; index < 500; ++index) {
    SyntheticClip clip = render_synthetic_clip(0, index, shape);
    const std::string& caption = clip.caption;
    const bool one_shape = caption.find(" and a") == std::string::npos;
    if (one_shape && caption.size() >= motion.size() &&
        caption.compare(caption.size() - motion.size(), motion.size(), motion) == 0) {
      return clip;
    }
  }
  return std::nullopt;
}

// A straight synthetic path at 32x32 over 7 frame steps covers 0.03 * 32 * 7 = 6.72 px (slow) or
// 0.07 * 32 * 7 = 15.68 px (fast); rasterizing the shape moves its centroid by under a pixel.
double distance_to_a_synthetic_travel(double displacement) {
  return std::min(std::abs(std::abs(displacement) - 6.72),
                  std::abs(std::abs(displacement) - 15.68));
}

TEST(TrackMotion, MovingLeftClipGivesNegativeDxOfItsTravel) {
  const std::optional<SyntheticClip> found = single_shape_clip("moving left");
  ASSERT_TRUE(found) << "no one-shape synthetic clip is moving left";
  const SyntheticClip& clip = *found;
  const MotionTrack track = track_motion(video_of(clip));
  EXPECT_TRUE(track.tracked()) << clip.caption;
  EXPECT_EQ(track.first_tracked, 0);
  EXPECT_EQ(track.last_tracked, 7);
  EXPECT_LT(track.dx, 0) << clip.caption;
  EXPECT_LT(distance_to_a_synthetic_travel(track.dx), 1.0) << clip.caption << ": dx " << track.dx;
  EXPECT_LT(std::abs(track.dy), 0.5) << clip.caption;
  EXPECT_NEAR(track.path_length, std::abs(track.dx), 1.0);
}

TEST(TrackMotion, MovingDownClipGivesPositiveDyOfItsTravel) {
  const std::optional<SyntheticClip> found = single_shape_clip("moving down");
  ASSERT_TRUE(found) << "no one-shape synthetic clip is moving down";
  const SyntheticClip& clip = *found;
  const MotionTrack track = track_motion(video_of(clip));
  EXPECT_GT(track.dy, 0) << clip.caption;
  EXPECT_LT(distance_to_a_synthetic_travel(track.dy), 1.0) << clip.caption << ": dy " << track.dy;
  EXPECT_LT(std::abs(track.dx), 0.5) << clip.caption;
}

TEST(TrackMotion, StandingStillClipGivesNoDisplacement) {
  const std::optional<SyntheticClip> found = single_shape_clip("standing still");
  ASSERT_TRUE(found) << "no one-shape synthetic clip is standing still";
  const SyntheticClip& clip = *found;
  const MotionTrack track = track_motion(video_of(clip));
  EXPECT_TRUE(track.tracked());
  EXPECT_GT(track.frames[0].foreground_pixels, 0);
  EXPECT_DOUBLE_EQ(track.dx, 0);
  EXPECT_DOUBLE_EQ(track.dy, 0);
  EXPECT_DOUBLE_EQ(track.path_length, 0);
}

TEST(TrackMotion, BouncingClipHasALongerPathThanItsNetDisplacement) {
  const std::optional<SyntheticClip> found = single_shape_clip("bouncing left and right");
  ASSERT_TRUE(found) << "no one-shape synthetic clip is bouncing left and right";
  const SyntheticClip& clip = *found;
  const MotionTrack track = track_motion(video_of(clip));
  EXPECT_GT(track.path_length, 10) << clip.caption;
  EXPECT_LT(std::abs(track.dy), 0.5) << clip.caption;
  EXPECT_GE(track.path_length, std::hypot(track.dx, track.dy));
}

TEST(TrackMotion, NoisyFramesStillGiveTheCleanDisplacement) {
  // Generated samples are never a flat colour: every pixel jitters and some are bright speckles.
  const std::optional<SyntheticClip> found = single_shape_clip("moving left");
  ASSERT_TRUE(found) << "no one-shape synthetic clip is moving left";
  const RgbVideo clean = video_of(*found);
  RgbVideo noisy = clean;
  SplitMix64 random(7);
  for (size_t pixel = 0; pixel < noisy.pixels.size(); pixel += 3) {
    const bool speckle = random.below(20) == 0;  // 5% of the pixels get a random colour
    for (size_t c = 0; c < 3; ++c) {
      uint8_t& value = noisy.pixels[pixel + c];
      const int jitter = static_cast<int>(random.below(41)) - 20;  // -20..20
      value = speckle ? static_cast<uint8_t>(random.below(256))
                      : static_cast<uint8_t>(std::clamp(value + jitter, 0, 255));
    }
  }
  const MotionTrack expected = track_motion(clean);
  const MotionTrack track = track_motion(noisy);
  EXPECT_NEAR(track.dx, expected.dx, 0.5);
  EXPECT_NEAR(track.dy, expected.dy, 0.5);
  EXPECT_NEAR(track.frames[0].foreground_pixels, expected.frames[0].foreground_pixels, 5);
}

// Frames of `size` x `size` pixels of grey 30 with a white `block` x `block` square whose top-left
// corner is at `corners[t]` in frame t.
RgbVideo moving_block(int size, int block, const std::vector<int>& corners) {
  const int frames = static_cast<int>(corners.size());
  RgbVideo video{frames, size, size,
                 std::vector<uint8_t>(static_cast<size_t>(frames) * size * size * 3, 30)};
  for (int t = 0; t < frames; ++t) {
    for (int y = corners[t]; y < corners[t] + block; ++y) {
      for (int x = corners[t]; x < corners[t] + block; ++x) {
        std::fill_n(video.pixels.begin() + ((t * size + y) * size + x) * 3, 3, 250);
      }
    }
  }
  return video;
}

TEST(TrackMotion, BackgroundIsTheBorderColourWhenAShapeTouchesTheBorder) {
  // A 4x4 block in the top-left corner of frame 0, in the bottom-right corner of frame 1.
  const MotionTrack track = track_motion(moving_block(8, 4, {0, 4}));
  EXPECT_EQ(track.frames[0].background, (std::array<uint8_t, 3>{30, 30, 30}));
  // The block's 4 corner pixels have only 4 foreground pixels in their 3x3 neighbourhood.
  EXPECT_EQ(track.frames[0].foreground_pixels, 12);
  EXPECT_DOUBLE_EQ(track.frames[0].x, 2);
  EXPECT_DOUBLE_EQ(track.frames[0].y, 2);
  EXPECT_DOUBLE_EQ(track.dx, 4);
  EXPECT_DOUBLE_EQ(track.dy, 4);
  EXPECT_EQ(
      describe_motion(track),
      "centroid (2.0,2.0) frame 0 -> (6.0,6.0) frame 1, moved dx=4.0 dy=4.0 px (path 5.7 px)");
}

TEST(TrackMotion, IsolatedSpecklesAreNotForeground) {
  RgbVideo video = moving_block(16, 4, {2, 3});
  for (const int pixel : {15, 200, 255}) std::fill_n(video.pixels.begin() + pixel * 3, 3, 250);
  const MotionTrack track = track_motion(video);
  EXPECT_EQ(track.frames[0].foreground_pixels, 12);
  EXPECT_DOUBLE_EQ(track.frames[0].x, 4);
  EXPECT_DOUBLE_EQ(track.dx, 1);
  MotionTrackOptions keep_everything;
  keep_everything.min_foreground_neighbourhood = 1;
  EXPECT_EQ(track_motion(video, keep_everything).frames[0].foreground_pixels, 16 + 3);
}

TEST(TrackMotion, FramesWithTooFewForegroundPixelsAreNotTracked) {
  // A 3x3 block keeps 5 pixels (its corners have only 4 foreground neighbours), a 4x4 block 12.
  RgbVideo video = moving_block(12, 4, {1, 4, 6});
  std::fill_n(video.pixels.begin(), 12 * 12 * 3, 30);  // frame 0: a 3x3 block instead
  for (int y = 2; y < 5; ++y) std::fill_n(video.pixels.begin() + (y * 12 + 2) * 3, 9, 250);
  EXPECT_EQ(track_motion(video).first_tracked, 0);
  MotionTrackOptions options;
  options.min_tracked_pixels = 6;
  const MotionTrack track = track_motion(video, options);
  EXPECT_EQ(track.frames[0].foreground_pixels, 5);
  EXPECT_EQ(track.first_tracked, 1);
  EXPECT_DOUBLE_EQ(track.dx, 2);
  options.min_tracked_pixels = 13;
  EXPECT_EQ(describe_motion(track_motion(video, options)), "no shape found in any frame");
}

TEST(TrackMotion, PlainVideoReportsNoForeground) {
  const RgbVideo video{3, 4, 4, std::vector<uint8_t>(3 * 4 * 4 * 3, 90)};
  const MotionTrack track = track_motion(video);
  EXPECT_FALSE(track.tracked());
  EXPECT_EQ(track.first_tracked, -1);
  EXPECT_DOUBLE_EQ(track.dx, 0);
  EXPECT_EQ(describe_motion(track), "no shape found in any frame");
}

TEST(TrackMotion, MalformedVideoThrowsInputErrorNamingIt) {
  const RgbVideo video{2, 4, 4, std::vector<uint8_t>(10, 0)};
  try {
    track_motion(video, {}, "sample_03");
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("sample_03"), std::string::npos) << error.what();
  }
  MotionTrackOptions options;
  options.min_foreground_neighbourhood = 0;
  EXPECT_THROW(track_motion(RgbVideo{1, 2, 2, std::vector<uint8_t>(12, 0)}, options), InputError);
}

}  // namespace
}  // namespace vdit::data
