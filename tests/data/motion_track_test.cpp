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
  // Generated samples are never a flat colour: the background estimate must tolerate noise.
  const std::optional<SyntheticClip> found = single_shape_clip("moving left");
  ASSERT_TRUE(found) << "no one-shape synthetic clip is moving left";
  const SyntheticClip& clip = *found;
  RgbVideo noisy = video_of(clip);
  SplitMix64 random(7);
  for (uint8_t& value : noisy.pixels) {
    const int jitter = static_cast<int>(random.below(41)) - 20;  // -20..20
    value = static_cast<uint8_t>(std::clamp(value + jitter, 0, 255));
  }
  const MotionTrack clean = track_motion(video_of(clip));
  const MotionTrack track = track_motion(noisy);
  EXPECT_NEAR(track.dx, clean.dx, 0.5);
  EXPECT_NEAR(track.dy, clean.dy, 0.5);
}

TEST(TrackMotion, BackgroundIsTheBorderColourWhenAShapeTouchesTheBorder) {
  RgbVideo video{2, 8, 8, std::vector<uint8_t>(2 * 8 * 8 * 3, 30)};
  // A white 3x3 block in the top-left corner of frame 0, in the bottom-right corner of frame 1.
  for (int y = 0; y < 3; ++y) {
    for (int x = 0; x < 3; ++x) {
      std::fill_n(video.pixels.begin() + (y * 8 + x) * 3, 3, 250);
      std::fill_n(video.pixels.begin() + 8 * 8 * 3 + ((y + 5) * 8 + x + 5) * 3, 3, 250);
    }
  }
  const MotionTrack track = track_motion(video);
  EXPECT_EQ(track.frames[0].background, (std::array<uint8_t, 3>{30, 30, 30}));
  EXPECT_EQ(track.frames[0].foreground_pixels, 9);
  EXPECT_DOUBLE_EQ(track.frames[0].x, 1.5);
  EXPECT_DOUBLE_EQ(track.dx, 5);
  EXPECT_DOUBLE_EQ(track.dy, 5);
  EXPECT_EQ(
      describe_motion(track),
      "centroid (1.5,1.5) frame 0 -> (6.5,6.5) frame 1, moved dx=5.0 dy=5.0 px (path 7.1 px)");
}

TEST(TrackMotion, PlainVideoReportsNoForeground) {
  const RgbVideo video{3, 4, 4, std::vector<uint8_t>(3 * 4 * 4 * 3, 90)};
  const MotionTrack track = track_motion(video);
  EXPECT_FALSE(track.tracked());
  EXPECT_EQ(track.first_tracked, -1);
  EXPECT_DOUBLE_EQ(track.dx, 0);
  EXPECT_EQ(describe_motion(track), "no foreground found");
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
  options.background_bin = 0;
  EXPECT_THROW(track_motion(RgbVideo{1, 2, 2, std::vector<uint8_t>(12, 0)}, options), InputError);
}

}  // namespace
}  // namespace vdit::data
