// VideoDecoder in a build without FFmpeg (-DVDIT_WITH_FFMPEG=OFF, e.g. the GPU check's build on a
// machine without FFmpeg's headers): opening a video is an InputError saying so, so `vdit data
// pack` and evaluation on video files fail with that message instead of being absent.
#include <fmt/core.h>

#include "core/error.h"
#include "data/video_decoder.h"

namespace vdit::data {

struct VideoDecoder::State {
  std::string path;
};

VideoDecoder::VideoDecoder(const std::string& path, double /*fps*/, int /*threads*/) {
  throw InputError(fmt::format(
      "{}: cannot decode video: this vdit was built without FFmpeg (-DVDIT_WITH_FFMPEG=OFF); "
      "rebuild with libavformat, libavcodec, libswscale and libavutil installed",
      path));
}

VideoDecoder::VideoDecoder(VideoDecoder&&) noexcept = default;
VideoDecoder& VideoDecoder::operator=(VideoDecoder&&) noexcept = default;
VideoDecoder::~VideoDecoder() = default;

// No VideoDecoder is ever constructed in this build, so these are never reached.
const std::string& VideoDecoder::path() const { return state_->path; }
int VideoDecoder::source_height() const { return 0; }
int VideoDecoder::source_width() const { return 0; }
double VideoDecoder::source_fps() const { return 0; }
bool VideoDecoder::next_frame() { return false; }
void VideoDecoder::append_rgb(int /*height*/, int /*width*/, std::vector<uint8_t>& /*out*/) {}

RgbVideo decode_video(const std::string& path, const DecodeOptions& options) {
  VideoDecoder decoder(path, options.fps);  // throws
  return {};
}

}  // namespace vdit::data
