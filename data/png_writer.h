// PNG writer for single RGB frames (sample stills, contact sheets, debugging a shard), via libpng.
#pragma once

#include <string>

#include "data/rgb_video.h"

namespace vdit::data {

// Writes frame `frame_index` of `video` as an 8-bit RGB PNG. Throws InputError for inconsistent
// frames or an index out of range, RuntimeError if libpng cannot write the file.
void write_png(const std::string& path, const RgbVideo& video, int frame_index = 0);

}  // namespace vdit::data
