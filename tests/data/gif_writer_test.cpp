#include "data/gif_writer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <set>
#include <sstream>
#include <tuple>

#include "core/error.h"
#include "tests/data/media_test_utils.h"

namespace vdit::data {
namespace {

using media_test::decode_with_ffmpeg;
using media_test::ScratchDir;

// 252 colours (a 6x7x6 cube): fewer than a palette holds, so they survive GIF encoding exactly.
constexpr uint8_t kRedBlueLevels[] = {0, 51, 102, 153, 204, 255};
constexpr uint8_t kGreenLevels[] = {0, 43, 85, 128, 170, 213, 255};

RgbVideo random_palette_video(int frames, int height, int width, uint32_t seed) {
  RgbVideo video{frames, height, width, {}};
  std::mt19937 rng(seed);
  for (size_t pixel = 0; pixel < static_cast<size_t>(frames) * height * width; ++pixel) {
    video.pixels.push_back(kRedBlueLevels[rng() % 6]);
    video.pixels.push_back(kGreenLevels[rng() % 7]);
    video.pixels.push_back(kRedBlueLevels[rng() % 6]);
  }
  return video;
}

TEST(GifWriter, FfmpegDecodesAClipOfAtMost256ColoursExactly) {
  ScratchDir dir("gif-writer");
  // Random pixels over every palette entry; odd sizes catch row-order mistakes.
  const RgbVideo video = random_palette_video(3, 131, 97, 7);
  write_gif(dir.file("random.gif"), video);
  EXPECT_EQ(decode_with_ffmpeg(dir.file("random.gif"), dir.file("random.rgb")), video.pixels);
}

TEST(GifWriter, FfmpegDecodesFlatAndStripedFramesExactly) {
  ScratchDir dir("gif-writer");
  // Long runs build long LZW strings; stripes repeat short ones.
  RgbVideo video{2, 64, 80, {}};
  for (int y = 0; y < 64; ++y) {
    for (int x = 0; x < 80; ++x) video.pixels.insert(video.pixels.end(), {51, 128, 204});
  }
  for (int y = 0; y < 64; ++y) {
    for (int x = 0; x < 80; ++x) {
      const uint8_t level = kRedBlueLevels[(x / 3 + y) % 6];
      video.pixels.insert(video.pixels.end(), {level, kGreenLevels[x % 7], 255});
    }
  }
  write_gif(dir.file("flat.gif"), video);
  EXPECT_EQ(decode_with_ffmpeg(dir.file("flat.gif"), dir.file("flat.rgb")), video.pixels);
}

using Colour = std::tuple<int, int, int>;

int squared_distance(const Colour& a, const uint8_t* b) {
  const int red = std::get<0>(a) - b[0];
  const int green = std::get<1>(a) - b[1];
  const int blue = std::get<2>(a) - b[2];
  return red * red + green * green + blue * blue;
}

// More colours than a palette holds: the GIF uses at most 256, and (without dithering) each pixel
// shows the palette colour nearest to it. FFmpeg 5.1's paletteuse measures RGB distance.
TEST(GifWriter, MapsEachPixelToItsNearestPaletteColourWhenTheClipHasMoreColours) {
  ScratchDir dir("gif-writer");
  RgbVideo video{2, 16, 256, {}};
  for (int t = 0; t < 2; ++t) {
    for (int y = 0; y < 16; ++y) {
      for (int x = 0; x < 256; ++x) {
        video.pixels.insert(video.pixels.end(),
                            {static_cast<uint8_t>(x), static_cast<uint8_t>(255 - x + t),
                             static_cast<uint8_t>((x * 7 + y * 16) % 256)});
      }
    }
  }
  write_gif(dir.file("gradient.gif"), video);
  const std::vector<uint8_t> decoded =
      decode_with_ffmpeg(dir.file("gradient.gif"), dir.file("gradient.rgb"));
  ASSERT_EQ(decoded.size(), video.pixels.size());
  std::set<Colour> palette;
  for (size_t i = 0; i < decoded.size(); i += 3) {
    palette.emplace(decoded[i], decoded[i + 1], decoded[i + 2]);
  }
  // Across all frames: one palette for the clip (per-frame palettes could give more colours).
  EXPECT_LE(palette.size(), 256u);
  EXPECT_GE(palette.size(), 200u);  // a real palette, not a few grey levels
  for (size_t i = 0; i < decoded.size(); i += 3) {
    int nearest = INT32_MAX;
    for (const Colour& colour : palette) {
      nearest = std::min(nearest, squared_distance(colour, &video.pixels[i]));
    }
    const Colour shown{decoded[i], decoded[i + 1], decoded[i + 2]};
    ASSERT_EQ(squared_distance(shown, &video.pixels[i]), nearest) << "pixel " << i / 3;
  }
}

TEST(GifWriter, ScaleRepeatsEachPixelAsABlock) {
  ScratchDir dir("gif-writer");
  const RgbVideo video = random_palette_video(2, 5, 3, 11);
  GifOptions options;
  options.scale = 4;
  write_gif(dir.file("scaled.gif"), video, options);
  const std::vector<uint8_t> decoded =
      decode_with_ffmpeg(dir.file("scaled.gif"), dir.file("scaled.rgb"));
  ASSERT_EQ(decoded.size(), video.pixels.size() * 16);
  for (int t = 0; t < 2; ++t) {
    for (int y = 0; y < 20; ++y) {
      for (int x = 0; x < 12; ++x) {
        for (int c = 0; c < 3; ++c) {
          const size_t out = ((static_cast<size_t>(t) * 20 + y) * 12 + x) * 3 + c;
          const size_t in = ((static_cast<size_t>(t) * 5 + y / 4) * 3 + x / 4) * 3 + c;
          ASSERT_EQ(decoded[out], video.pixels[in]) << "t=" << t << " y=" << y << " x=" << x;
        }
      }
    }
  }
}

TEST(GifWriter, FfprobeSeesTheFrameDelayAndEveryFrame) {
  ScratchDir dir("gif-writer");
  GifOptions options;
  options.delay_cs = 25;
  write_gif(dir.file("slow.gif"), random_palette_video(4, 8, 8, 3), options);
  const std::string command =
      "ffprobe -v error -select_streams v -show_entries packet=duration "
      "-of csv=p=0 " +
      dir.file("slow.gif") + " > " + dir.file("probe.txt");
  ASSERT_EQ(std::system(command.c_str()), 0);
  const std::vector<uint8_t> probe = media_test::read_bytes(dir.file("probe.txt"));
  std::istringstream lines(std::string(probe.begin(), probe.end()));
  std::vector<int> durations;  // GIF time base is 1/100 s
  for (int duration = 0; lines >> duration;) durations.push_back(duration);
  EXPECT_EQ(durations, std::vector<int>(4, 25));
}

TEST(GifWriter, StartsWithTheSignatureAndLoopsForever) {
  ScratchDir dir("gif-writer");
  write_gif(dir.file("loop.gif"), random_palette_video(2, 4, 4, 5));
  const std::vector<uint8_t> bytes = media_test::read_bytes(dir.file("loop.gif"));
  ASSERT_GT(bytes.size(), 6u);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 6), "GIF89a");
  const std::string text(bytes.begin(), bytes.end());
  const size_t netscape = text.find("NETSCAPE2.0");
  ASSERT_NE(netscape, std::string::npos);
  EXPECT_EQ(text.substr(netscape + 11, 4), std::string("\x03\x01\x00\x00", 4));  // loop count 0
  EXPECT_EQ(bytes.back(), 0x3B);
}

TEST(GifWriter, RejectsPixelCountThatDoesNotMatchTheShape) {
  ScratchDir dir("gif-writer");
  RgbVideo video = random_palette_video(2, 4, 4, 1);
  video.pixels.pop_back();
  EXPECT_THROW(write_gif(dir.file("short.gif"), video), InputError);
  GifOptions no_scale;
  no_scale.scale = 0;
  EXPECT_THROW(write_gif(dir.file("unscaled.gif"), random_palette_video(1, 4, 4, 1), no_scale),
               InputError);
}

TEST(GifWriter, ReportsAFileThatCannotBeWritten) {
  EXPECT_THROW(write_gif("/nonexistent-folder/clip.gif", random_palette_video(2, 4, 4, 1)),
               RuntimeError);
}

TEST(GifDelay, RoundsFramesPerSecondToCentiseconds) {
  EXPECT_EQ(gif_delay_cs(8), 13);  // 12.5 cs: GIF cannot say it
  EXPECT_EQ(gif_delay_cs(10), 10);
  EXPECT_EQ(gif_delay_cs(50), 2);
  EXPECT_THROW(gif_delay_cs(0), InputError);
}

}  // namespace
}  // namespace vdit::data
