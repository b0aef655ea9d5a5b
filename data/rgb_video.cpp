#include "data/rgb_video.h"

#include <fmt/format.h>

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

}  // namespace vdit::data
