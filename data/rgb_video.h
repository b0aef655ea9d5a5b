// RgbVideo: frames of packed 8-bit RGB pixels, the currency between decoders and image writers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace vdit::data {

struct RgbVideo {
  int frames = 0;
  int height = 0;
  int width = 0;
  std::vector<uint8_t> pixels;  // [frames, height, width, 3], row-major

  size_t frame_bytes() const { return static_cast<size_t>(height) * width * 3; }
  const uint8_t* frame(int index) const { return pixels.data() + index * frame_bytes(); }
};

// Throws InputError naming `what` unless the sizes are positive and `pixels` holds exactly
// frames * height * width * 3 bytes.
void validate_rgb_video(const RgbVideo& video, const std::string& what);

constexpr int kMaxUpscale = 64;

// Every pixel repeated factor x factor times (nearest neighbour), so that 32x32 samples are big
// enough to look at and keep their exact colours. Throws InputError unless 1 <= factor <=
// kMaxUpscale.
RgbVideo upscale_nearest(const RgbVideo& video, int factor);

}  // namespace vdit::data
