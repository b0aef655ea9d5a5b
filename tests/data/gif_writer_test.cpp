#include "data/gif_writer.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <sstream>

#include "core/error.h"
#include "tests/data/media_test_utils.h"

namespace vdit::data {
namespace {

using media_test::decode_with_ffmpeg;
using media_test::ScratchDir;

// Colours on the 6x7x6 palette cube survive GIF encoding exactly.
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

TEST(GifWriter, FfmpegDecodesPaletteColoursExactly) {
  ScratchDir dir("gif-writer");
  // Random pixels fill the 4096-code LZW table many times over, exercising widening and clears;
  // odd sizes catch row-order mistakes.
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

TEST(GifWriter, OffPaletteColoursLandOnTheNearestCubeColour) {
  ScratchDir dir("gif-writer");
  RgbVideo video{1, 16, 256, {}};
  for (int y = 0; y < 16; ++y) {
    for (int x = 0; x < 256; ++x) {
      video.pixels.insert(video.pixels.end(),
                          {static_cast<uint8_t>(x), static_cast<uint8_t>(255 - x),
                           static_cast<uint8_t>((x * 7 + y * 16) % 256)});
    }
  }
  write_gif(dir.file("gradient.gif"), video);
  const std::vector<uint8_t> decoded =
      decode_with_ffmpeg(dir.file("gradient.gif"), dir.file("gradient.rgb"));
  ASSERT_EQ(decoded.size(), video.pixels.size());
  for (size_t i = 0; i < decoded.size(); ++i) {
    const int half_step = i % 3 == 1 ? 22 : 26;  // green has 7 levels, red and blue 6
    ASSERT_LE(std::abs(decoded[i] - video.pixels[i]), half_step) << "byte " << i;
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
  const std::vector<uint8_t> bytes = encode_gif(random_palette_video(1, 4, 4, 5));
  ASSERT_GT(bytes.size(), 6u);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 6), "GIF89a");
  const std::string text(bytes.begin(), bytes.end());
  const size_t netscape = text.find("NETSCAPE2.0");
  ASSERT_NE(netscape, std::string::npos);
  EXPECT_EQ(text.substr(netscape + 11, 4), std::string("\x03\x01\x00\x00", 4));  // loop count 0
  EXPECT_EQ(bytes.back(), 0x3B);
}

TEST(GifWriter, RejectsPixelCountThatDoesNotMatchTheShape) {
  RgbVideo video = random_palette_video(2, 4, 4, 1);
  video.pixels.pop_back();
  EXPECT_THROW(encode_gif(video), InputError);
  GifOptions no_scale;
  no_scale.scale = 0;
  EXPECT_THROW(encode_gif(random_palette_video(1, 4, 4, 1), no_scale), InputError);
}

}  // namespace
}  // namespace vdit::data
