// MP4 writer for sample videos: H.264 through FFmpeg's libx264, yuv420p, the index at the front
// (faststart) so that browsers play it while it loads.
#pragma once

#include <string>

#include "data/rgb_video.h"

namespace vdit::data {

struct Mp4Options {
  int fps = 8;    // frames per second, 1..120
  int scale = 1;  // nearest-neighbour upscaling factor (upscale_nearest)
  // x264's constant rate factor: 0 lossless (which browsers do not play), 18 visually lossless,
  // 23 x264's default.
  int crf = 18;
};

// Writes `video` upscaled by options.scale, its width and height padded to even numbers by
// repeating the last column and row (yuv420p halves the chroma planes). Colours are converted with
// BT.709 coefficients, limited range, and tagged so, as browsers assume for untagged H.264.
// Throws InputError for an empty or inconsistent video or options out of range, RuntimeError if
// FFmpeg cannot write the file.
void write_mp4(const std::string& path, const RgbVideo& video, const Mp4Options& options = {});

}  // namespace vdit::data
