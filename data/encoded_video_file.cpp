#include "data/encoded_video_file.h"

#include <fmt/format.h>

#include <filesystem>

#include "core/error.h"

namespace vdit::data {
namespace {

void check(int status, const std::string& path, const char* step) {
  if (status < 0) {
    throw RuntimeError(
        fmt::format("{}: cannot write video: {} failed: {}", path, step, av_error_text(status)));
  }
}

// Options FFmpeg did not consume were misspelt or do not exist in this build: refuse them.
void check_all_used(AVDictionary* left, const std::string& path, const char* what) {
  const AVDictionaryEntry* entry = av_dict_get(left, "", nullptr, AV_DICT_IGNORE_SUFFIX);
  if (entry != nullptr) {
    throw RuntimeError(
        fmt::format("{}: cannot write video: the {} has no option \"{}\"", path, what, entry->key));
  }
}

struct DictionaryDeleter {
  void operator()(AVDictionary* dictionary) const noexcept { av_dict_free(&dictionary); }
};

AVDictionary* to_dictionary(const std::vector<std::pair<std::string, std::string>>& options) {
  AVDictionary* dictionary = nullptr;
  for (const auto& [key, value] : options) av_dict_set(&dictionary, key.c_str(), value.c_str(), 0);
  return dictionary;
}

}  // namespace

FramePtr allocate_video_frame(AVPixelFormat format, int width, int height,
                              const std::string& path) {
  FramePtr frame(av_frame_alloc());
  if (!frame) throw RuntimeError("av_frame_alloc: out of memory");
  frame->format = format;
  frame->width = width;
  frame->height = height;
  check(av_frame_get_buffer(frame.get(), 0), path, "av_frame_get_buffer");
  return frame;
}

EncodedVideoFile::EncodedVideoFile(const EncodedVideoSettings& settings) : settings_(settings) {
  const std::string& path = settings.path;
  output_.path = path;
  check(avformat_alloc_output_context2(&output_.context, nullptr, settings.muxer.c_str(),
                                       path.c_str()),
        path, "avformat_alloc_output_context2");
  const AVCodec* encoder = avcodec_find_encoder_by_name(settings.encoder.c_str());
  if (encoder == nullptr) {
    throw RuntimeError(fmt::format(
        "{}: cannot write video: this FFmpeg has no \"{}\" encoder (Debian's libavcodec59 has it)",
        path, settings.encoder));
  }
  stream_ = avformat_new_stream(output_.context, nullptr);
  codec_.reset(avcodec_alloc_context3(encoder));
  packet_.reset(av_packet_alloc());
  if (stream_ == nullptr || !codec_ || !packet_) throw RuntimeError("FFmpeg: out of memory");

  codec_->pix_fmt = settings.pixel_format;
  codec_->width = settings.width;
  codec_->height = settings.height;
  codec_->time_base = settings.time_base;
  codec_->framerate = settings.frame_rate;
  codec_->colorspace = settings.colorspace;
  codec_->color_primaries = settings.primaries;
  codec_->color_trc = settings.transfer;
  codec_->color_range = settings.range;
  // x264 reports its settings and statistics at the info level: one level lower keeps a
  // `vdit sample` log readable while its warnings still show (as info).
  codec_->log_level_offset = AV_LOG_VERBOSE - AV_LOG_INFO;
  codec_->thread_count = 1;  // sample clips are small; one thread keeps the bytes reproducible
  if ((output_.context->oformat->flags & AVFMT_GLOBALHEADER) != 0) {
    codec_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;  // MP4 keeps the H.264 headers in avcC
  }
  std::unique_ptr<AVDictionary, DictionaryDeleter> encoder_options(
      to_dictionary(settings.encoder_options));
  AVDictionary* raw_encoder_options = encoder_options.release();
  const int opened = avcodec_open2(codec_.get(), encoder, &raw_encoder_options);
  encoder_options.reset(raw_encoder_options);
  check(opened, path, "avcodec_open2");
  check_all_used(encoder_options.get(), path, "encoder");
  check(avcodec_parameters_from_context(stream_->codecpar, codec_.get()), path,
        "avcodec_parameters_from_context");
  stream_->time_base = settings.time_base;
  stream_->avg_frame_rate = settings.frame_rate;

  check(avio_open(&output_.context->pb, path.c_str(), AVIO_FLAG_WRITE), path, "avio_open");
  std::unique_ptr<AVDictionary, DictionaryDeleter> muxer_options(
      to_dictionary(settings.muxer_options));
  AVDictionary* raw_muxer_options = muxer_options.release();
  const int header = avformat_write_header(output_.context, &raw_muxer_options);
  muxer_options.reset(raw_muxer_options);
  check(header, path, "avformat_write_header");
  check_all_used(muxer_options.get(), path, "muxer");
}

EncodedVideoFile::Output::~Output() {
  if (context == nullptr) return;
  const bool opened = context->pb != nullptr;
  if (opened) avio_closep(&context->pb);
  avformat_free_context(context);
  if (opened && !finished) {
    std::error_code ignored;  // a partial file would look like a sample: remove it
    std::filesystem::remove(path, ignored);
  }
}

void EncodedVideoFile::write(const AVFrame& frame) {
  check(avcodec_send_frame(codec_.get(), &frame), settings_.path, "avcodec_send_frame");
  drain();
}

void EncodedVideoFile::finish() {
  check(avcodec_send_frame(codec_.get(), nullptr), settings_.path, "flushing the encoder");
  drain();
  check(av_write_trailer(output_.context), settings_.path, "av_write_trailer");
  output_.finished = true;
}

void EncodedVideoFile::drain() {
  while (true) {
    const int received = avcodec_receive_packet(codec_.get(), packet_.get());
    if (received == AVERROR(EAGAIN) || received == AVERROR_EOF) return;
    check(received, settings_.path, "avcodec_receive_packet");
    if (packet_->duration == 0) packet_->duration = settings_.frame_duration;
    av_packet_rescale_ts(packet_.get(), codec_->time_base, stream_->time_base);
    packet_->stream_index = stream_->index;
    // av_interleaved_write_frame takes the packet's reference and leaves it blank.
    check(av_interleaved_write_frame(output_.context, packet_.get()), settings_.path,
          "av_interleaved_write_frame");
  }
}

}  // namespace vdit::data
