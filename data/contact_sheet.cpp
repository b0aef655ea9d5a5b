#include "data/contact_sheet.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.h"

namespace vdit::data {
namespace {

constexpr int kMaxGap = 64;

}  // namespace

RgbVideo contact_sheet(const std::vector<RgbVideo>& videos, const ContactSheetOptions& options) {
  if (videos.empty()) throw InputError("contact sheet: no videos, expected at least one");
  if (options.scale < 1 || options.scale > kMaxUpscale) {
    throw InputError(
        fmt::format("contact sheet scale: found {}, expected 1..{}", options.scale, kMaxUpscale));
  }
  if (options.gap < 0 || options.gap > kMaxGap) {
    throw InputError(
        fmt::format("contact sheet gap: found {}, expected 0..{}", options.gap, kMaxGap));
  }
  int columns = 0;
  for (size_t i = 0; i < videos.size(); ++i) {
    validate_rgb_video(videos[i], fmt::format("contact sheet video {}", i));
    if (videos[i].height != videos[0].height || videos[i].width != videos[0].width) {
      throw InputError(
          fmt::format("contact sheet video {}: {}x{} frames, expected {}x{} as video 0", i,
                      videos[i].height, videos[i].width, videos[0].height, videos[0].width));
    }
    columns = std::max(columns, videos[i].frames);
  }
  const int cell_height = videos[0].height * options.scale;
  const int cell_width = videos[0].width * options.scale;
  const int rows = static_cast<int>(videos.size());
  RgbVideo sheet{1,
                 rows * (cell_height + options.gap) + options.gap,
                 columns * (cell_width + options.gap) + options.gap,
                 {}};
  sheet.pixels.assign(sheet.frame_bytes(), options.background);

  const size_t sheet_row_bytes = static_cast<size_t>(sheet.width) * 3;
  const size_t cell_row_bytes = static_cast<size_t>(cell_width) * 3;
  for (int row = 0; row < rows; ++row) {
    const RgbVideo scaled = upscale_nearest(videos[static_cast<size_t>(row)], options.scale);
    const int top = options.gap + row * (cell_height + options.gap);
    for (int column = 0; column < scaled.frames; ++column) {
      const int left = options.gap + column * (cell_width + options.gap);
      for (int y = 0; y < cell_height; ++y) {
        std::copy_n(scaled.frame(column) + y * cell_row_bytes, cell_row_bytes,
                    sheet.pixels.data() + (top + y) * sheet_row_bytes + left * 3);
      }
    }
  }
  return sheet;
}

}  // namespace vdit::data
