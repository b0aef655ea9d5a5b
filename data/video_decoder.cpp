#include "data/video_decoder.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <utility>

#include "core/error.h"
#include "data/ffmpeg_handles.h"

namespace vdit::data {
namespace {

// Every FFmpeg failure on a user's file is an InputError naming the file and the step.
void check(int status, const std::string& path, const char* step) {
  if (status < 0) {
    throw InputError(
        fmt::format("{}: cannot decode video: {} failed: {}", path, step, av_error_text(status)));
  }
}

FramePtr allocate_frame() {
  FramePtr frame(av_frame_alloc());
  if (!frame) throw RuntimeError("av_frame_alloc: out of memory");
  return frame;
}

// Converts decoded frames of one pixel format and size to RGB24 at one output size.
struct Scaler {
  int source_format = AV_PIX_FMT_NONE;
  int source_width = 0;
  int source_height = 0;
  AVColorSpace colorspace = AVCOL_SPC_UNSPECIFIED;
  AVColorRange range = AVCOL_RANGE_UNSPECIFIED;
  SwsContextPtr context;
  FramePtr resized;  // RGB24 covering the output size; the crop is cut from its middle
  int crop_x = 0;
  int crop_y = 0;

  bool fits(const AVFrame& frame) const {
    return context && frame.format == source_format && frame.width == source_width &&
           frame.height == source_height && frame.colorspace == colorspace &&
           frame.color_range == range;
  }
};

// The full-range "J" formats are deprecated in swscale: use the plain format and say full range.
AVPixelFormat plain_format(AVPixelFormat format, bool& full_range) {
  switch (format) {
    case AV_PIX_FMT_YUVJ420P:
      full_range = true;
      return AV_PIX_FMT_YUV420P;
    case AV_PIX_FMT_YUVJ422P:
      full_range = true;
      return AV_PIX_FMT_YUV422P;
    case AV_PIX_FMT_YUVJ444P:
      full_range = true;
      return AV_PIX_FMT_YUV444P;
    case AV_PIX_FMT_YUVJ440P:
      full_range = true;
      return AV_PIX_FMT_YUV440P;
    default:
      return format;
  }
}

Scaler make_scaler(const AVFrame& frame, int height, int width, const std::string& path) {
  Scaler scaler;
  scaler.source_format = frame.format;
  scaler.source_width = frame.width;
  scaler.source_height = frame.height;
  scaler.colorspace = frame.colorspace;
  scaler.range = frame.color_range;
  // Cover the output with the aspect ratio kept, then crop the overhang evenly on both sides.
  const double scale = std::max(static_cast<double>(height) / frame.height,
                                static_cast<double>(width) / frame.width);
  const int resized_width = std::max(width, static_cast<int>(std::lround(frame.width * scale)));
  const int resized_height = std::max(height, static_cast<int>(std::lround(frame.height * scale)));
  scaler.crop_x = (resized_width - width) / 2;
  scaler.crop_y = (resized_height - height) / 2;

  bool full_range = frame.color_range == AVCOL_RANGE_JPEG;
  const AVPixelFormat source_format =
      plain_format(static_cast<AVPixelFormat>(frame.format), full_range);
  // Area averaging when shrinking avoids aliasing; bicubic when enlarging.
  const int flags = scale < 1.0 ? SWS_AREA : SWS_BICUBIC;
  scaler.context.reset(sws_getContext(frame.width, frame.height, source_format, resized_width,
                                      resized_height, AV_PIX_FMT_RGB24, flags, nullptr, nullptr,
                                      nullptr));
  if (!scaler.context) {
    const char* name = av_get_pix_fmt_name(static_cast<AVPixelFormat>(frame.format));
    throw InputError(fmt::format("{}: cannot convert {}x{} frames of pixel format {} to RGB", path,
                                 frame.width, frame.height, name != nullptr ? name : "unknown"));
  }
  // sws_getCoefficients maps unknown colour spaces to BT.601, swscale's default.
  const int* coefficients = sws_getCoefficients(frame.colorspace);
  sws_setColorspaceDetails(scaler.context.get(), coefficients, full_range ? 1 : 0, coefficients, 1,
                           0, 1 << 16, 1 << 16);

  scaler.resized = allocate_frame();
  scaler.resized->format = AV_PIX_FMT_RGB24;
  scaler.resized->width = resized_width;
  scaler.resized->height = resized_height;
  check(av_frame_get_buffer(scaler.resized.get(), 0), path, "allocating an RGB frame");
  return scaler;
}

}  // namespace

struct VideoDecoder::State {
  std::string path;
  double fps = 0;
  FormatContextPtr format;
  CodecContextPtr codec;
  PacketPtr packet;
  int stream_index = -1;
  double time_base = 0;       // seconds per timestamp tick
  double frame_duration = 0;  // seconds, for the last frame and frames without a timestamp
  double average_fps = 0;

  // `current` is shown until `upcoming` starts; the last frame lasts frame_duration.
  FramePtr current;
  FramePtr upcoming;
  double current_time = 0;
  double upcoming_time = 0;
  bool has_current = false;
  bool has_upcoming = false;
  bool input_exhausted = false;  // the demuxer hit the end and the decoder was told to drain
  bool finished = false;
  double first_time = 0;
  int64_t output_index = 0;
  std::map<std::pair<int, int>, Scaler> scalers;  // by output (height, width)

  // Decodes the next source frame into `frame` and its start time in seconds; false at the end.
  bool decode_next(AVFrame& frame, double& seconds, double previous_seconds, bool has_previous);
};

bool VideoDecoder::State::decode_next(AVFrame& frame, double& seconds, double previous_seconds,
                                      bool has_previous) {
  while (true) {
    const int received = avcodec_receive_frame(codec.get(), &frame);
    if (received == 0) {
      const int64_t timestamp = frame.best_effort_timestamp;
      if (timestamp != AV_NOPTS_VALUE) {
        seconds = timestamp * time_base;
      } else {
        seconds = has_previous ? previous_seconds + frame_duration : 0.0;
      }
      return true;
    }
    if (received == AVERROR_EOF) return false;
    // A damaged packet spoils its frames, not the file: keep going, as the ffmpeg program does.
    if (received == AVERROR_INVALIDDATA) continue;
    if (received != AVERROR(EAGAIN)) check(received, path, "avcodec_receive_frame");
    if (input_exhausted) return false;

    const int read = av_read_frame(format.get(), packet.get());
    if (read == AVERROR_EOF) {
      input_exhausted = true;
      check(avcodec_send_packet(codec.get(), nullptr), path, "flushing the decoder");
      continue;
    }
    check(read, path, "av_read_frame");
    if (packet->stream_index == stream_index) {
      const int sent = avcodec_send_packet(codec.get(), packet.get());
      if (sent < 0 && sent != AVERROR_INVALIDDATA) check(sent, path, "avcodec_send_packet");
    }
    av_packet_unref(packet.get());
  }
}

VideoDecoder::VideoDecoder(const std::string& path, double fps, int threads)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.path = path;
  if (!(fps > 0)) {
    throw InputError(fmt::format("{}: output fps must be positive, got {}", path, fps));
  }
  s.fps = fps;

  AVFormatContext* raw_format = nullptr;
  check(avformat_open_input(&raw_format, path.c_str(), nullptr, nullptr), path,
        "avformat_open_input");
  s.format.reset(raw_format);
  check(avformat_find_stream_info(s.format.get(), nullptr), path, "avformat_find_stream_info");

  const AVCodec* decoder = nullptr;
  s.stream_index = av_find_best_stream(s.format.get(), AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0);
  if (s.stream_index < 0) {
    throw InputError(
        fmt::format("{}: no decodable video stream ({})", path, av_error_text(s.stream_index)));
  }
  for (unsigned i = 0; i < s.format->nb_streams; ++i) {
    if (static_cast<int>(i) != s.stream_index) s.format->streams[i]->discard = AVDISCARD_ALL;
  }
  const AVStream& stream = *s.format->streams[s.stream_index];

  s.codec.reset(avcodec_alloc_context3(decoder));
  if (!s.codec) throw RuntimeError("avcodec_alloc_context3: out of memory");
  check(avcodec_parameters_to_context(s.codec.get(), stream.codecpar), path,
        "avcodec_parameters_to_context");
  s.codec->thread_count = threads;
  check(avcodec_open2(s.codec.get(), decoder, nullptr), path, "avcodec_open2");
  if (s.codec->width <= 0 || s.codec->height <= 0) {
    throw InputError(fmt::format("{}: video stream has no frame size", path));
  }

  s.time_base = av_q2d(stream.time_base);
  const AVRational rate =
      stream.avg_frame_rate.num > 0 ? stream.avg_frame_rate : stream.r_frame_rate;
  s.average_fps = rate.num > 0 && rate.den > 0 ? av_q2d(rate) : 0.0;
  s.frame_duration = s.average_fps > 0 ? 1.0 / s.average_fps : 1.0 / 25;

  s.packet.reset(av_packet_alloc());
  if (!s.packet) throw RuntimeError("av_packet_alloc: out of memory");
  s.current = allocate_frame();
  s.upcoming = allocate_frame();
}

VideoDecoder::VideoDecoder(VideoDecoder&&) noexcept = default;
VideoDecoder& VideoDecoder::operator=(VideoDecoder&&) noexcept = default;
VideoDecoder::~VideoDecoder() = default;

const std::string& VideoDecoder::path() const { return state_->path; }
int VideoDecoder::source_height() const { return state_->codec->height; }
int VideoDecoder::source_width() const { return state_->codec->width; }
double VideoDecoder::source_fps() const { return state_->average_fps; }

bool VideoDecoder::next_frame() {
  State& s = *state_;
  if (s.finished) return false;
  if (!s.has_current) {
    s.has_current = s.decode_next(*s.current, s.current_time, 0.0, false);
    if (!s.has_current) throw InputError(fmt::format("{}: no decodable video frame", s.path));
    s.first_time = s.current_time;
    s.has_upcoming = s.decode_next(*s.upcoming, s.upcoming_time, s.current_time, true);
  }
  while (true) {
    const double output_time = s.first_time + static_cast<double>(s.output_index) / s.fps;
    const double current_end = s.has_upcoming ? s.upcoming_time : s.current_time + s.frame_duration;
    if (output_time < current_end) {
      ++s.output_index;
      return true;
    }
    if (!s.has_upcoming) {
      s.finished = true;
      return false;
    }
    std::swap(s.current, s.upcoming);
    s.current_time = s.upcoming_time;
    s.has_upcoming = s.decode_next(*s.upcoming, s.upcoming_time, s.current_time, true);
  }
}

void VideoDecoder::append_rgb(int height, int width, std::vector<uint8_t>& out) {
  State& s = *state_;
  if (!s.has_current || s.finished) {
    throw RuntimeError(fmt::format("{}: append_rgb called without a current frame", s.path));
  }
  const AVFrame& frame = *s.current;
  if (height == 0 && width == 0) {
    height = frame.height;
    width = frame.width;
  }
  if (height <= 0 || width <= 0) {
    throw InputError(
        fmt::format("{}: output size must be positive, got {}x{}", s.path, height, width));
  }
  Scaler& scaler = s.scalers[{height, width}];
  if (!scaler.fits(frame)) scaler = make_scaler(frame, height, width, s.path);

  AVFrame& resized = *scaler.resized;
  check(av_frame_make_writable(&resized), s.path, "av_frame_make_writable");
  sws_scale(scaler.context.get(), frame.data, frame.linesize, 0, frame.height, resized.data,
            resized.linesize);
  const size_t row_bytes = static_cast<size_t>(width) * 3;
  const size_t start = out.size();
  out.resize(start + row_bytes * height);
  for (int y = 0; y < height; ++y) {
    const uint8_t* row = resized.data[0] +
                         static_cast<ptrdiff_t>(y + scaler.crop_y) * resized.linesize[0] +
                         static_cast<ptrdiff_t>(scaler.crop_x) * 3;
    std::memcpy(out.data() + start + y * row_bytes, row, row_bytes);
  }
}

RgbVideo decode_video(const std::string& path, const DecodeOptions& options) {
  VideoDecoder decoder(path, options.fps);
  RgbVideo video;
  video.height = options.height == 0 ? decoder.source_height() : options.height;
  video.width = options.width == 0 ? decoder.source_width() : options.width;
  while ((options.max_frames == 0 || video.frames < options.max_frames) && decoder.next_frame()) {
    decoder.append_rgb(video.height, video.width, video.pixels);
    ++video.frames;
  }
  return video;
}

}  // namespace vdit::data
