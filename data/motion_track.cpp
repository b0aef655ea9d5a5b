#include "data/motion_track.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace vdit::data {
namespace {

// Per-channel median of the border pixels of one frame [H, W, 3].
std::array<uint8_t, 3> border_background(const uint8_t* frame, int height, int width) {
  std::array<std::vector<uint8_t>, 3> channels;
  auto add = [&](int y, int x) {
    const uint8_t* rgb = frame + (static_cast<size_t>(y) * width + x) * 3;
    for (size_t c = 0; c < 3; ++c) channels[c].push_back(rgb[c]);
  };
  for (int x = 0; x < width; ++x) {
    add(0, x);
    if (height > 1) add(height - 1, x);
  }
  for (int y = 1; y + 1 < height; ++y) {
    add(y, 0);
    if (width > 1) add(y, width - 1);
  }
  std::array<uint8_t, 3> background{};
  for (size_t c = 0; c < 3; ++c) {
    auto middle = channels[c].begin() + static_cast<std::ptrdiff_t>(channels[c].size() / 2);
    std::nth_element(channels[c].begin(), middle, channels[c].end());
    background[c] = *middle;
  }
  return background;
}

// [H, W] 0/1: pixels farther than the threshold from the background.
std::vector<uint8_t> far_from_background(const uint8_t* frame, int height, int width,
                                         const std::array<uint8_t, 3>& background,
                                         double threshold) {
  std::vector<uint8_t> far(static_cast<size_t>(height) * width, 0);
  for (size_t pixel = 0; pixel < far.size(); ++pixel) {
    double distance_squared = 0;
    for (size_t c = 0; c < 3; ++c) {
      const double difference = static_cast<double>(frame[pixel * 3 + c]) - background[c];
      distance_squared += difference * difference;
    }
    far[pixel] = distance_squared > threshold * threshold;
  }
  return far;
}

FrameCentroid frame_centroid(const uint8_t* frame, int height, int width,
                             const MotionTrackOptions& options) {
  FrameCentroid centroid;
  centroid.background = border_background(frame, height, width);
  const std::vector<uint8_t> far =
      far_from_background(frame, height, width, centroid.background, options.foreground_distance);
  auto is_far = [&](int y, int x) {
    return y >= 0 && y < height && x >= 0 && x < width && far[static_cast<size_t>(y) * width + x];
  };
  double x_sum = 0, y_sum = 0;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      if (!is_far(y, x)) continue;
      int neighbourhood = 0;
      for (int dy = -1; dy <= 1; ++dy) {
        for (int dx = -1; dx <= 1; ++dx) neighbourhood += is_far(y + dy, x + dx);
      }
      if (neighbourhood < options.min_foreground_neighbourhood) continue;
      ++centroid.foreground_pixels;
      x_sum += x + 0.5;
      y_sum += y + 0.5;
    }
  }
  if (centroid.foreground_pixels > 0) {
    centroid.x = x_sum / static_cast<double>(centroid.foreground_pixels);
    centroid.y = y_sum / static_cast<double>(centroid.foreground_pixels);
  }
  return centroid;
}

void validate_options(const MotionTrackOptions& options, const std::string& what) {
  if (!(options.foreground_distance >= 0)) {
    throw InputError(fmt::format("{}: motion tracking foreground_distance is {}, expected >= 0",
                                 what, options.foreground_distance));
  }
  if (options.min_tracked_pixels < 1) {
    throw InputError(fmt::format("{}: motion tracking min_tracked_pixels is {}, expected >= 1",
                                 what, options.min_tracked_pixels));
  }
  if (options.min_foreground_neighbourhood < 1 || options.min_foreground_neighbourhood > 9) {
    throw InputError(
        fmt::format("{}: motion tracking min_foreground_neighbourhood is {}, expected 1..9", what,
                    options.min_foreground_neighbourhood));
  }
}

}  // namespace

MotionTrack track_motion(const RgbVideo& video, const MotionTrackOptions& options,
                         const std::string& what) {
  validate_rgb_video(video, what);
  validate_options(options, what);
  MotionTrack track;
  for (int t = 0; t < video.frames; ++t) {
    track.frames.push_back(frame_centroid(video.frame(t), video.height, video.width, options));
  }
  const FrameCentroid* previous = nullptr;
  for (int t = 0; t < video.frames; ++t) {
    const FrameCentroid& current = track.frames[static_cast<size_t>(t)];
    if (current.foreground_pixels < options.min_tracked_pixels) continue;
    if (track.first_tracked < 0) track.first_tracked = t;
    track.last_tracked = t;
    if (previous != nullptr) {
      track.path_length += std::hypot(current.x - previous->x, current.y - previous->y);
    }
    previous = &current;
  }
  if (track.tracked()) {
    const FrameCentroid& first = track.frames[static_cast<size_t>(track.first_tracked)];
    const FrameCentroid& last = track.frames[static_cast<size_t>(track.last_tracked)];
    track.dx = last.x - first.x;
    track.dy = last.y - first.y;
  }
  return track;
}

std::string describe_motion(const MotionTrack& track) {
  if (track.first_tracked < 0) return "no shape found in any frame";
  const FrameCentroid& first = track.frames[static_cast<size_t>(track.first_tracked)];
  if (!track.tracked()) {
    return fmt::format("a shape only in frame {}, centroid ({:.1f},{:.1f})", track.first_tracked,
                       first.x, first.y);
  }
  const FrameCentroid& last = track.frames[static_cast<size_t>(track.last_tracked)];
  return fmt::format(
      "centroid ({:.1f},{:.1f}) frame {} -> ({:.1f},{:.1f}) frame {}, moved dx={:.1f} dy={:.1f} px "
      "(path {:.1f} px)",
      first.x, first.y, track.first_tracked, last.x, last.y, track.last_tracked, track.dx, track.dy,
      track.path_length);
}

}  // namespace vdit::data
