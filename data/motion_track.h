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
  // above this. Every synthetic shape colour is >= 140 away from every synthetic background;
  // the speckle noise left in generated samples mostly stays below it.
  double foreground_distance = 80;
  // ... and when at least this many pixels of its 3x3 neighbourhood (itself included, 1..9) are
  // foreground too. 5 drops isolated noise speckles; a solid shape loses at most its corner
  // pixels, which moves no centroid of a symmetric shape.
  int min_foreground_neighbourhood = 5;
  // A frame counts as tracked only with at least this many foreground pixels: a lone cluster of
  // noise in an otherwise empty sample should not become a "shape" that moves.
  int64_t min_tracked_pixels = 5;
};

struct FrameCentroid {
  std::array<uint8_t, 3> background{};  // the frame's estimated background colour
  int64_t foreground_pixels = 0;        // 0: nothing but background; x, y are then meaningless
  double x = 0;                         // mean pixel-centre coordinates of the foreground,
  double y = 0;                         // in pixels from the top-left corner
};

struct MotionTrack {
  std::vector<FrameCentroid> frames;  // one per video frame
  // The first and last tracked frame (>= min_tracked_pixels of foreground); -1 when none is.
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

// Per frame: the background is the per-channel median of the frame's border pixels (a shape may
// touch the border, noise may speckle it); the foreground is every pixel far enough from it with
// enough foreground around it. Two shapes give the centroid of both. Throws InputError (naming
// `what`) for a malformed video or options.
MotionTrack track_motion(const RgbVideo& video, const MotionTrackOptions& options = {},
                         const std::string& what = "video");

// One line for logs: "centroid (15.2,9.0) frame 0 -> (5.7,9.3) frame 7, moved dx=-9.5 dy=0.3 px
// (path 9.6 px)", or "no shape found in any frame" / "a shape only in frame 3, centroid (4.0,5.5)".
std::string describe_motion(const MotionTrack& track);

}  // namespace vdit::data
