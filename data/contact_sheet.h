// Contact sheet: every frame of every sample in one image, a row per sample, a column per frame,
// to compare samples (and their motion) at a glance.
#pragma once

#include <cstdint>
#include <vector>

#include "data/rgb_video.h"

namespace vdit::data {

struct ContactSheetOptions {
  int scale = 1;  // nearest-neighbour upscaling of each frame (upscale_nearest)
  int gap = 2;    // pixels of background between cells and around the sheet, after scaling
  uint8_t background = 128;  // grey, so that neither black nor white frames merge into it
};

// One frame: cell (row i, column t) holds frame t of videos[i], upscaled; videos with fewer
// frames than the longest leave their last cells background. Throws InputError for no videos,
// an inconsistent video, videos of different heights or widths, or options out of range.
RgbVideo contact_sheet(const std::vector<RgbVideo>& videos,
                       const ContactSheetOptions& options = {});

}  // namespace vdit::data
