// One video file written through an FFmpeg encoder and muxer: the plumbing the MP4 and GIF writers
// share (open, send frames, drain packets, write the trailer).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "data/ffmpeg_handles.h"

namespace vdit::data {

struct EncodedVideoSettings {
  std::string path;
  std::string muxer;    // FFmpeg format name: "mp4", "gif"
  std::string encoder;  // FFmpeg encoder name: "libx264", "gif"
  AVPixelFormat pixel_format = AV_PIX_FMT_NONE;
  int width = 0;
  int height = 0;
  AVRational time_base{1, 1};   // of the frames' pts
  AVRational frame_rate{0, 1};  // nominal rate written into the stream
  int64_t frame_duration = 1;   // in time_base units: the packets' duration (the last frame's)
  // Colour metadata of YUV frames (browsers read it; FFmpeg's decoder converts back with it).
  AVColorSpace colorspace = AVCOL_SPC_UNSPECIFIED;
  AVColorPrimaries primaries = AVCOL_PRI_UNSPECIFIED;
  AVColorTransferCharacteristic transfer = AVCOL_TRC_UNSPECIFIED;
  AVColorRange range = AVCOL_RANGE_UNSPECIFIED;
  std::vector<std::pair<std::string, std::string>> encoder_options;  // e.g. {"crf", "18"}
  std::vector<std::pair<std::string, std::string>> muxer_options;    // e.g. {"movflags", ...}
};

// Every FFmpeg failure is a RuntimeError naming the file and the step. A file not finished (an
// exception between open and finish) is closed without its trailer and removed.
class EncodedVideoFile {
 public:
  explicit EncodedVideoFile(const EncodedVideoSettings& settings);
  EncodedVideoFile(const EncodedVideoFile&) = delete;
  EncodedVideoFile& operator=(const EncodedVideoFile&) = delete;

  // Encodes `frame` (its format and size as the settings say, its pts set by the caller).
  void write(const AVFrame& frame);
  // Drains the encoder and writes the container's trailer.
  void finish();

 private:
  void drain();  // moves every packet the encoder has ready into the file

  // The muxer context and its file: closed and freed on destruction, the file removed unless
  // finished (also when the constructor throws after allocating it).
  struct Output {
    std::string path;
    AVFormatContext* context = nullptr;
    bool finished = false;
    ~Output();
  };

  EncodedVideoSettings settings_;
  Output output_;
  AVStream* stream_ = nullptr;  // owned by output_.context
  CodecContextPtr codec_;
  PacketPtr packet_;
};

// An empty frame of `format` and size with its buffers allocated. Throws RuntimeError naming
// `path`.
FramePtr allocate_video_frame(AVPixelFormat format, int width, int height, const std::string& path);

}  // namespace vdit::data
