#include "data/mp4_writer.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.h"
#include "data/encoded_video_file.h"

namespace vdit::data {
namespace {

constexpr int kMaxFps = 120;
constexpr int kMaxCrf = 51;

// `video` with one more column and/or row, copies of the last, where its sizes are odd.
RgbVideo pad_to_even(RgbVideo video) {
  const int height = video.height + video.height % 2;
  const int width = video.width + video.width % 2;
  if (height == video.height && width == video.width) return video;
  RgbVideo padded{video.frames, height, width, {}};
  padded.pixels.resize(static_cast<size_t>(padded.frames) * padded.frame_bytes());
  for (int t = 0; t < video.frames; ++t) {
    for (int y = 0; y < height; ++y) {
      const uint8_t* source =
          video.frame(t) + static_cast<size_t>(std::min(y, video.height - 1)) * video.width * 3;
      uint8_t* target =
          padded.pixels.data() + t * padded.frame_bytes() + static_cast<size_t>(y) * width * 3;
      std::copy_n(source, static_cast<size_t>(video.width) * 3, target);
      if (width > video.width)
        std::copy_n(source + (video.width - 1) * 3, 3, target + width * 3 - 3);
    }
  }
  return padded;
}

}  // namespace

void write_mp4(const std::string& path, const RgbVideo& video, const Mp4Options& options) {
  validate_rgb_video(video, "MP4 frames");
  if (options.fps < 1 || options.fps > kMaxFps) {
    throw InputError(fmt::format("MP4 fps: found {}, expected 1..{}", options.fps, kMaxFps));
  }
  if (options.crf < 0 || options.crf > kMaxCrf) {
    throw InputError(fmt::format("MP4 crf: found {}, expected 0..{}", options.crf, kMaxCrf));
  }
  const RgbVideo frames = pad_to_even(upscale_nearest(video, options.scale));

  EncodedVideoSettings settings;
  settings.path = path;
  settings.muxer = "mp4";
  settings.encoder = "libx264";
  settings.pixel_format = AV_PIX_FMT_YUV420P;
  settings.width = frames.width;
  settings.height = frames.height;
  settings.time_base = AVRational{1, options.fps};
  settings.frame_rate = AVRational{options.fps, 1};
  settings.colorspace = AVCOL_SPC_BT709;
  settings.primaries = AVCOL_PRI_BT709;
  settings.transfer = AVCOL_TRC_BT709;
  settings.range = AVCOL_RANGE_MPEG;
  settings.encoder_options = {{"crf", std::to_string(options.crf)}, {"preset", "medium"}};
  settings.muxer_options = {{"movflags", "+faststart"}};
  EncodedVideoFile file(settings);

  // RGB -> BT.709 limited-range YUV 4:2:0 at the same size.
  SwsContextPtr convert(sws_getContext(frames.width, frames.height, AV_PIX_FMT_RGB24, frames.width,
                                       frames.height, AV_PIX_FMT_YUV420P,
                                       SWS_BILINEAR | SWS_ACCURATE_RND, nullptr, nullptr, nullptr));
  if (!convert) throw RuntimeError(fmt::format("{}: sws_getContext: cannot convert RGB", path));
  const int* bt709 = sws_getCoefficients(SWS_CS_ITU709);
  sws_setColorspaceDetails(convert.get(), bt709, 1, bt709, 0, 0, 1 << 16, 1 << 16);

  FramePtr yuv = allocate_video_frame(AV_PIX_FMT_YUV420P, frames.width, frames.height, path);
  for (int t = 0; t < frames.frames; ++t) {
    if (av_frame_make_writable(yuv.get()) < 0) {
      throw RuntimeError(fmt::format("{}: av_frame_make_writable failed", path));
    }
    const uint8_t* source[1] = {frames.frame(t)};
    const int source_stride[1] = {frames.width * 3};
    sws_scale(convert.get(), source, source_stride, 0, frames.height, yuv->data, yuv->linesize);
    yuv->pts = t;
    file.write(*yuv);
  }
  file.finish();
}

}  // namespace vdit::data
