// Animated GIF89a writer for sample previews: fixed colour-cube palette, LZW, loops forever.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/rgb_video.h"

namespace vdit::data {

struct GifOptions {
  // Time each frame is shown, in centiseconds (10 -> 10 fps). Browsers and FFmpeg show delays
  // below 2 as 10, so use 2 or more.
  int delay_cs = 10;
  // Nearest-neighbour upscaling factor, so that 32x32 samples are big enough to look at.
  int scale = 1;
};

// The GIF file bytes for `video`. Colours are rounded to a 6x7x6 RGB cube: one global palette,
// the same for every frame and every video, so frames never flicker between palettes and
// colours on the cube (multiples of 51 for red/blue, of 42.5 rounded for green) survive exactly.
// Throws InputError for empty or inconsistent frames or options out of range.
std::vector<uint8_t> encode_gif(const RgbVideo& video, const GifOptions& options = {});

// encode_gif, written to `path`. Throws RuntimeError if the file cannot be written.
void write_gif(const std::string& path, const RgbVideo& video, const GifOptions& options = {});

}  // namespace vdit::data
