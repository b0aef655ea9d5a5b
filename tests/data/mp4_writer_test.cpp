#include "data/mp4_writer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <string>

#include "core/error.h"
#include "tests/data/media_test_utils.h"

namespace vdit::data {
namespace {

using media_test::decode_with_ffmpeg;
using media_test::ScratchDir;

// A sample-like clip: a smooth background and a bright square moving right one pixel a frame.
RgbVideo moving_square(int frames, int height, int width) {
  RgbVideo video{frames, height, width, {}};
  for (int t = 0; t < frames; ++t) {
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) {
        const bool square = x >= t + 2 && x < t + 8 && y >= 4 && y < 10;
        if (square) {
          video.pixels.insert(video.pixels.end(), {230, 60, 40});
        } else {
          video.pixels.insert(video.pixels.end(),
                              {static_cast<uint8_t>(20 + 4 * y), static_cast<uint8_t>(40 + 3 * x),
                               static_cast<uint8_t>(120)});
        }
      }
    }
  }
  return video;
}

// `ffprobe` of the video stream's entries (e.g. "codec_name,pix_fmt"), one value per line.
std::string probe(const std::string& path, const std::string& entries, const ScratchDir& dir) {
  const std::string command =
      "ffprobe -v error -select_streams v:0 -count_frames -show_entries "
      "stream=" +
      entries + " -of default=nw=1 " + path + " > " + dir.file("probe.txt");
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  const std::vector<uint8_t> text = media_test::read_bytes(dir.file("probe.txt"));
  return std::string(text.begin(), text.end());
}

TEST(Mp4Writer, FfmpegDecodesEveryFrameCloseToTheInput) {
  ScratchDir dir("mp4-writer");
  const RgbVideo video = moving_square(6, 16, 20);
  Mp4Options options;
  options.scale = 2;
  write_mp4(dir.file("clip.mp4"), video, options);
  const std::vector<uint8_t> decoded =
      decode_with_ffmpeg(dir.file("clip.mp4"), dir.file("clip.rgb"));
  ASSERT_EQ(decoded.size(), video.pixels.size() * 4);  // 6 frames of 32x40
  // H.264 at crf 18 is lossy but close: a mean error of a few levels, no pixel far off.
  double total_error = 0;
  int worst = 0;
  for (int t = 0; t < 6; ++t) {
    for (int y = 0; y < 32; ++y) {
      for (int x = 0; x < 40; ++x) {
        for (int c = 0; c < 3; ++c) {
          const int out = decoded[((static_cast<size_t>(t) * 32 + y) * 40 + x) * 3 + c];
          const int in = video.frame(t)[(static_cast<size_t>(y / 2) * 20 + x / 2) * 3 + c];
          total_error += std::abs(out - in);
          worst = std::max(worst, std::abs(out - in));
        }
      }
    }
  }
  // Limited-range 4:2:0 and back costs about a level, H.264 at crf 18 one or two more; the worst
  // pixels sit on the square's edges, where the decoder's chroma interpolation mixes in the
  // neighbouring colour.
  EXPECT_LT(total_error / static_cast<double>(decoded.size()), 4.0);
  EXPECT_LT(worst, 48);
  // Inside the square, away from its edges, the red survives within a few levels (crf 18 leaves
  // 4 to 6 here); a colour matrix that does not match its tag (BT.709 data read as BT.601) would
  // turn (230, 60, 40) into about (215, 44, 42).
  for (int t = 0; t < 6; ++t) {
    const uint8_t* centre = &decoded[((static_cast<size_t>(t) * 32 + 14) * 40 + 2 * (t + 5)) * 3];
    EXPECT_NEAR(centre[0], 230, 8) << "frame " << t;
    EXPECT_NEAR(centre[1], 60, 8) << "frame " << t;
    EXPECT_NEAR(centre[2], 40, 8) << "frame " << t;
  }
}

TEST(Mp4Writer, WritesBrowserPlayableH264WithTheIndexFirst) {
  ScratchDir dir("mp4-writer");
  Mp4Options options;
  options.fps = 12;
  write_mp4(dir.file("clip.mp4"), moving_square(5, 16, 16), options);
  EXPECT_EQ(probe(dir.file("clip.mp4"),
                  "codec_name,pix_fmt,width,height,r_frame_rate,nb_read_frames", dir),
            "codec_name=h264\nwidth=16\nheight=16\npix_fmt=yuv420p\nr_frame_rate=12/1\n"
            "nb_read_frames=5\n");
  // faststart: the index (moov) precedes the media data (mdat), so playback starts at once.
  const std::vector<uint8_t> bytes = media_test::read_bytes(dir.file("clip.mp4"));
  const std::string text(bytes.begin(), bytes.end());
  ASSERT_NE(text.find("moov"), std::string::npos);
  ASSERT_NE(text.find("mdat"), std::string::npos);
  EXPECT_LT(text.find("moov"), text.find("mdat"));
}

TEST(Mp4Writer, PadsOddSizesToEven) {
  ScratchDir dir("mp4-writer");
  const RgbVideo video = moving_square(2, 15, 21);
  write_mp4(dir.file("odd.mp4"), video);
  EXPECT_EQ(probe(dir.file("odd.mp4"), "width,height", dir), "width=22\nheight=16\n");
}

TEST(Mp4Writer, RejectsOptionsOutOfRange) {
  ScratchDir dir("mp4-writer");
  Mp4Options options;
  options.fps = 0;
  EXPECT_THROW(write_mp4(dir.file("a.mp4"), moving_square(2, 8, 8), options), InputError);
  options = Mp4Options{};
  options.scale = 0;
  EXPECT_THROW(write_mp4(dir.file("b.mp4"), moving_square(2, 8, 8), options), InputError);
}

TEST(Mp4Writer, ReportsAFileThatCannotBeWritten) {
  EXPECT_THROW(write_mp4("/nonexistent-folder/clip.mp4", moving_square(2, 8, 8)), RuntimeError);
}

}  // namespace
}  // namespace vdit::data
