// Animated GIF writer for sample previews: FFmpeg's palettegen/paletteuse filters choose one
// palette for the whole clip, FFmpeg's GIF encoder and muxer write it; the GIF loops forever.
#pragma once

#include <fmt/core.h>

#include <cmath>
#include <string>

#include "core/error.h"
#include "data/rgb_video.h"

namespace vdit::data {

struct GifOptions {
  // Time each frame is shown, in centiseconds (10 -> 10 fps). Browsers and FFmpeg show delays
  // below 2 as 10, so use 2 or more.
  int delay_cs = 10;
  // Nearest-neighbour upscaling factor (upscale_nearest), so that 32x32 samples are big enough to
  // look at.
  int scale = 1;
};

// Writes `video` as a GIF with one global palette of up to 256 colours, the median cut of every
// pixel of every frame (palettegen, stats_mode=full), so frames never flicker between palettes.
// A clip of at most 256 distinct colours survives exactly; otherwise each pixel becomes its
// nearest palette colour (paletteuse without dithering: dither noise on 4x4-pixel blocks reads as
// texture, not as a smoother gradient).
// Throws InputError for an empty or inconsistent video or options out of range, RuntimeError if
// FFmpeg cannot write the file.
void write_gif(const std::string& path, const RgbVideo& video, const GifOptions& options = {});

// Centiseconds per frame for `fps` frames per second, as GIF stores it (rounded).
inline int gif_delay_cs(int fps) {
  if (fps < 1) throw InputError(fmt::format("GIF fps: found {}, expected >= 1", fps));
  return static_cast<int>(std::lround(100.0 / fps));
}

}  // namespace vdit::data
