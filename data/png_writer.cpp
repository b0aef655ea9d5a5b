#include "data/png_writer.h"

#include <fmt/format.h>
#include <png.h>

#include "core/error.h"

namespace vdit::data {

void write_png(const std::string& path, const RgbVideo& video, int frame_index) {
  validate_rgb_video(video, "PNG frame");
  if (frame_index < 0 || frame_index >= video.frames) {
    throw InputError(fmt::format("PNG frame index {} out of range: the video has {} frames",
                                 frame_index, video.frames));
  }
  // libpng's simplified API: no setjmp, the error in image.message; it picks the row filters and
  // the zlib settings (the adaptive per-row filter the PNG specification recommends).
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(video.width);
  image.height = static_cast<png_uint_32>(video.height);
  image.format = PNG_FORMAT_RGB;
  const png_int_32 row_stride = video.width * 3;
  if (png_image_write_to_file(&image, path.c_str(), 0, video.frame(frame_index), row_stride,
                              nullptr) == 0) {
    const std::string message = image.message;
    png_image_free(&image);
    throw RuntimeError(fmt::format("cannot write PNG file {}: {}", path, message));
  }
}

}  // namespace vdit::data
