// Where the foreground of a video sits in each frame and how far it moves: a torch-free motion
// measure for synthetic clips and generated samples ("did the square really move left?").
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "data/rgb_video.h"

namespace vdit::data {

struct MotionTrackOptions {
  // A pixel is foreground when its Euclidean RGB distance to the frame's background colour is
  // above this. The synthetic shapes are >= 100 away from their dark backgrounds; generated
  // samples carry some residual noise, well below it.
  double foreground_distance = 60;
  // Background colours are counted in bins of this many levels per channel, so a noisy sampled
  // background still has one clear most common colour.
  int background_bin = 16;
};

struct FrameCentroid {
  std::array<uint8_t, 3> background{};  // the frame's estimated background colour
  int64_t foreground_pixels = 0;        // 0: nothing but background; x, y are then meaningless
  double x = 0;                         // mean pixel-centre coordinates of the foreground,
  double y = 0;                         // in pixels from the top-left corner
};

struct MotionTrack {
  std::vector<FrameCentroid> frames;  // one per video frame
  // The first and last frame with foreground; -1 when no frame has any.
  int first_tracked = -1;
  int last_tracked = -1;
  // Net centroid displacement from first_tracked to last_tracked (x right, y down), and the
  // summed centroid step lengths between consecutive tracked frames. All 0 with < 2 tracked
  // frames.
  double dx = 0;
  double dy = 0;
  double path_length = 0;

  bool tracked() const { return first_tracked >= 0 && last_tracked > first_tracked; }
};

// Per frame: the background is the most common (binned) colour on the frame's border, averaged
// over the border pixels in that bin; the foreground is every pixel far enough from it. Two shapes
// give the centroid of both. Throws InputError (naming `what`) for a malformed video.
MotionTrack track_motion(const RgbVideo& video, const MotionTrackOptions& options = {},
                         const std::string& what = "video");

// One line for logs: "centroid (15.2,9.0) frame 0 -> (5.7,9.3) frame 7, moved dx=-9.5 dy=0.3 px
// (path 9.6 px)", or "no foreground found" / "foreground only in frame 3".
std::string describe_motion(const MotionTrack& track);

}  // namespace vdit::data
