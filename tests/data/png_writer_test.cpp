#include "data/png_writer.h"

#include <gtest/gtest.h>

#include <random>

#include "core/error.h"
#include "tests/data/media_test_utils.h"

namespace vdit::data {
namespace {

using media_test::decode_with_ffmpeg;
using media_test::ScratchDir;

// Half noise, half smooth gradient, so that rows pick different filters.
RgbVideo test_frames(int frames, int height, int width) {
  RgbVideo video{frames, height, width, {}};
  std::mt19937 rng(42);
  for (int t = 0; t < frames; ++t) {
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) {
        if (y < height / 2) {
          for (int c = 0; c < 3; ++c) video.pixels.push_back(static_cast<uint8_t>(rng()));
        } else {
          video.pixels.insert(video.pixels.end(),
                              {static_cast<uint8_t>(x * 3 + t * 50), static_cast<uint8_t>(y * 5),
                               static_cast<uint8_t>(x + y)});
        }
      }
    }
  }
  return video;
}

TEST(PngWriter, FfmpegDecodesTheSamePixels) {
  ScratchDir dir("png-writer");
  const RgbVideo video = test_frames(1, 41, 67);
  write_png(dir.file("frame.png"), video);
  EXPECT_EQ(decode_with_ffmpeg(dir.file("frame.png"), dir.file("frame.rgb")), video.pixels);
}

TEST(PngWriter, WritesTheRequestedFrame) {
  ScratchDir dir("png-writer");
  const RgbVideo video = test_frames(3, 8, 9);
  write_png(dir.file("second.png"), video, 1);
  const std::vector<uint8_t> second(video.frame(1), video.frame(1) + video.frame_bytes());
  EXPECT_EQ(decode_with_ffmpeg(dir.file("second.png"), dir.file("second.rgb")), second);
}

TEST(PngWriter, RejectsFrameIndexOutOfRange) {
  ScratchDir dir("png-writer");
  const RgbVideo video = test_frames(2, 4, 4);
  EXPECT_THROW(write_png(dir.file("third.png"), video, 2), InputError);
  EXPECT_THROW(write_png(dir.file("minus-first.png"), video, -1), InputError);
}

TEST(PngWriter, ReportsAFileThatCannotBeWritten) {
  EXPECT_THROW(write_png("/nonexistent-folder/frame.png", test_frames(1, 2, 2)), RuntimeError);
}

}  // namespace
}  // namespace vdit::data
