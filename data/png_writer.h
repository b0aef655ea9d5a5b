// PNG writer for single RGB frames (sample stills, debugging a shard): zlib deflate, no libpng.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/rgb_video.h"

namespace vdit::data {

// The PNG file bytes (8-bit RGB, not interlaced) of frame `frame_index` of `video`.
// Throws InputError for inconsistent frames or an index out of range.
std::vector<uint8_t> encode_png(const RgbVideo& video, int frame_index = 0);

// encode_png, written to `path`. Throws RuntimeError if the file cannot be written.
void write_png(const std::string& path, const RgbVideo& video, int frame_index = 0);

}  // namespace vdit::data
