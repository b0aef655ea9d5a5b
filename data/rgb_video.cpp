#include "data/rgb_video.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.h"

namespace vdit::data {

void validate_rgb_video(const RgbVideo& video, const std::string& what) {
  if (video.frames <= 0 || video.height <= 0 || video.width <= 0) {
    throw InputError(fmt::format("{}: frames, height and width must be positive, got {}x{}x{}",
                                 what, video.frames, video.height, video.width));
  }
  const size_t expected = static_cast<size_t>(video.frames) * video.frame_bytes();
  if (video.pixels.size() != expected) {
    throw InputError(fmt::format("{}: {} pixel bytes for {} frames of {}x{} RGB, expected {}", what,
                                 video.pixels.size(), video.frames, video.height, video.width,
                                 expected));
  }
}

RgbVideo upscale_nearest(const RgbVideo& video, int factor) {
  validate_rgb_video(video, "upscaled video");
  if (factor < 1 || factor > kMaxUpscale) {
    throw InputError(fmt::format("upscale factor: found {}, expected 1..{}", factor, kMaxUpscale));
  }
  RgbVideo out{video.frames, video.height * factor, video.width * factor, {}};
  out.pixels.resize(static_cast<size_t>(out.frames) * out.frame_bytes());
  const size_t out_row_bytes = static_cast<size_t>(out.width) * 3;
  uint8_t* row = out.pixels.data();
  for (int t = 0; t < video.frames; ++t) {
    for (int y = 0; y < video.height; ++y) {
      const uint8_t* source = video.frame(t) + static_cast<size_t>(y) * video.width * 3;
      for (int x = 0; x < video.width; ++x) {
        for (int copy = 0; copy < factor; ++copy) {
          std::copy_n(source + static_cast<size_t>(x) * 3, 3,
                      row + (static_cast<size_t>(x) * factor + copy) * 3);
        }
      }
      // The first output row of this source row is done: the other factor - 1 repeat it.
      for (int copy = 1; copy < factor; ++copy) {
        std::copy_n(row, out_row_bytes, row + copy * out_row_bytes);
      }
      row += factor * out_row_bytes;
    }
  }
  return out;
}

}  // namespace vdit::data
