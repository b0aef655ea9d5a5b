// GIF and MP4 writers in a build without FFmpeg (-DVDIT_WITH_FFMPEG=OFF, e.g. the GPU check's build
// on a machine without FFmpeg's headers): writing is an InputError saying so. PNG frames and the
// contact sheet (libpng) still work.
#include <fmt/core.h>

#include "core/error.h"
#include "data/gif_writer.h"
#include "data/mp4_writer.h"

namespace vdit::data {
namespace {

[[noreturn]] void no_ffmpeg(const std::string& path, const char* format) {
  throw InputError(fmt::format(
      "{}: cannot write {}: this vdit was built without FFmpeg (-DVDIT_WITH_FFMPEG=OFF); use "
      "--format png, or rebuild with FFmpeg's libav* development packages installed",
      path, format));
}

}  // namespace

void write_gif(const std::string& path, const RgbVideo& /*video*/, const GifOptions& /*options*/) {
  no_ffmpeg(path, "a GIF");
}

void write_mp4(const std::string& path, const RgbVideo& /*video*/, const Mp4Options& /*options*/) {
  no_ffmpeg(path, "an MP4");
}

}  // namespace vdit::data
