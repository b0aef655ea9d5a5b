// Decodes the best video stream of any file FFmpeg reads into RGB frames at a chosen frame rate.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/rgb_video.h"

namespace vdit::data {

// Reads one video file frame by frame, resampled to `fps` by timestamp: output frame k shows the
// latest source frame whose timestamp is at or before first_timestamp + k / fps, so a 25 fps
// source read at 8 fps drops frames and a 4 fps source read at 8 fps repeats each frame twice.
// Audio and other streams are ignored. Every failure, from a missing file to a corrupted stream
// with no decodable frame, is an InputError that names the file.
class VideoDecoder {
 public:
  // Opens `path` and its best video stream. `threads` are the decoder's threads (0 = FFmpeg picks).
  VideoDecoder(const std::string& path, double fps, int threads = 1);
  VideoDecoder(VideoDecoder&&) noexcept;
  VideoDecoder& operator=(VideoDecoder&&) noexcept;
  VideoDecoder(const VideoDecoder&) = delete;
  VideoDecoder& operator=(const VideoDecoder&) = delete;
  ~VideoDecoder();

  const std::string& path() const;
  int source_height() const;
  int source_width() const;
  // The stream's average frame rate, or 0 when the container does not say.
  double source_fps() const;

  // Moves to the next output frame; false at the end of the stream. Throws InputError if the file
  // yields no frame at all or fails to read.
  bool next_frame();

  // Appends the current frame to `out` as height x width x 3 RGB bytes: resized so that it covers
  // height x width with its aspect ratio kept, then center-cropped. height = width = 0 gives the
  // source size. Call after next_frame() returned true.
  void append_rgb(int height, int width, std::vector<uint8_t>& out);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

struct DecodeOptions {
  double fps = 8;  // output frame rate
  int height = 0;  // output size after resize and center crop; 0 x 0 keeps the source size
  int width = 0;
  int max_frames = 0;  // stop after this many output frames; 0 = the whole video
};

// The whole video (or its first max_frames frames) in memory. Throws InputError as VideoDecoder.
RgbVideo decode_video(const std::string& path, const DecodeOptions& options = {});

}  // namespace vdit::data
