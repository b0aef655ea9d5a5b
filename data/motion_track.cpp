#include "data/motion_track.h"

#include <fmt/core.h>

#include <cmath>

#include "core/error.h"

namespace vdit::data {
namespace {

struct ColorBin {
  int64_t count = 0;
  std::array<double, 3> sum{};
};

// The most common binned colour on the border of one frame [H, W, 3], averaged within its bin.
std::array<uint8_t, 3> border_background(const uint8_t* frame, int height, int width, int bin) {
  const int bins_per_channel = 255 / bin + 1;
  std::vector<ColorBin> bins(static_cast<size_t>(bins_per_channel) * bins_per_channel *
                             bins_per_channel);
  auto count = [&](int y, int x) {
    const uint8_t* rgb = frame + (static_cast<size_t>(y) * width + x) * 3;
    const size_t key =
        (static_cast<size_t>(rgb[0] / bin) * bins_per_channel + rgb[1] / bin) * bins_per_channel +
        rgb[2] / bin;
    ++bins[key].count;
    for (int c = 0; c < 3; ++c) bins[key].sum[c] += rgb[c];
  };
  for (int x = 0; x < width; ++x) {
    count(0, x);
    if (height > 1) count(height - 1, x);
  }
  for (int y = 1; y + 1 < height; ++y) {
    count(y, 0);
    if (width > 1) count(y, width - 1);
  }
  const ColorBin* best = &bins.front();
  for (const ColorBin& candidate : bins) {
    if (candidate.count > best->count) best = &candidate;
  }
  std::array<uint8_t, 3> background{};
  for (int c = 0; c < 3; ++c) {
    background[c] = static_cast<uint8_t>(std::lround(best->sum[c] / best->count));
  }
  return background;
}

FrameCentroid frame_centroid(const uint8_t* frame, int height, int width,
                             const MotionTrackOptions& options) {
  FrameCentroid centroid;
  centroid.background = border_background(frame, height, width, options.background_bin);
  const double threshold_squared = options.foreground_distance * options.foreground_distance;
  double x_sum = 0, y_sum = 0;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const uint8_t* rgb = frame + (static_cast<size_t>(y) * width + x) * 3;
      double distance_squared = 0;
      for (int c = 0; c < 3; ++c) {
        const double difference = static_cast<double>(rgb[c]) - centroid.background[c];
        distance_squared += difference * difference;
      }
      if (distance_squared <= threshold_squared) continue;
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
  if (options.background_bin < 1 || options.background_bin > 256) {
    throw InputError(fmt::format("{}: motion tracking background_bin is {}, expected 1..256", what,
                                 options.background_bin));
  }
  if (!(options.foreground_distance >= 0)) {
    throw InputError(fmt::format("{}: motion tracking foreground_distance is {}, expected >= 0",
                                 what, options.foreground_distance));
  }
}

}  // namespace

MotionTrack track_motion(const RgbVideo& video, const MotionTrackOptions& options,
                         const std::string& what) {
  validate_rgb_video(video, what);
  validate_options(options, what);
  MotionTrack track;
  const FrameCentroid* previous = nullptr;
  for (int t = 0; t < video.frames; ++t) {
    track.frames.push_back(frame_centroid(video.frame(t), video.height, video.width, options));
  }
  for (int t = 0; t < video.frames; ++t) {
    const FrameCentroid& current = track.frames[static_cast<size_t>(t)];
    if (current.foreground_pixels == 0) continue;
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
  if (track.first_tracked < 0) return "no foreground found";
  const FrameCentroid& first = track.frames[static_cast<size_t>(track.first_tracked)];
  if (!track.tracked()) {
    return fmt::format("foreground only in frame {}, centroid ({:.1f},{:.1f})", track.first_tracked,
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
