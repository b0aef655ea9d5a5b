#include "data/video_decoder.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "core/error.h"
#include "tests/data/media_test_utils.h"

namespace vdit::data {
namespace {

using media_test::run_ffmpeg;
using media_test::ScratchDir;

// Lossless RGB in FFV1, so decoded pixels can be compared exactly.
constexpr const char* kLosslessRgb = " -pix_fmt bgr0 -c:v ffv1 ";

// Real files made once by the ffmpeg program; see each name for what it exercises.
class VideoDecoderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<ScratchDir>("video-decoder");
    // Audio mapped first: the decoder must pick the video stream, not stream 0.
    run_ffmpeg(
        "-f lavfi -i testsrc=size=320x240:rate=25:duration=2 "
        "-f lavfi -i sine=frequency=440:duration=2 -map 1:a -map 0:v "
        "-c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac " +
        file("audio_first.mp4"));
    run_ffmpeg(
        "-f lavfi -i mandelbrot=size=160x120:rate=10 -frames:v 10 "
        "-c:v libvpx-vp9 -deadline realtime -cpu-used 8 " +
        file("mandelbrot.webm"));
    run_ffmpeg("-f lavfi -i testsrc=size=97x61:rate=8:duration=1" + std::string(kLosslessRgb) +
               file("odd_size.mkv"));
    run_ffmpeg("-f lavfi -i testsrc=size=64x48:rate=10:duration=1 -c:v mjpeg " + file("mjpeg.avi"));
    run_ffmpeg("-f lavfi -i testsrc=size=48x32:rate=10:duration=1 " + file("testsrc.gif"));
    // Frame n is solid red n * 30: shows which source frame each output frame came from.
    run_ffmpeg(
        "-f lavfi -i color=c=black:size=16x16:rate=4 -frames:v 8 "
        "-vf geq=r='N*30':g=0:b=0" +
        std::string(kLosslessRgb) + file("counter.mkv"));
    // Thirds red | green | blue: a centered crop of the middle third is all green.
    run_ffmpeg(
        "-filter_complex 'color=c=red:s=32x32:r=8:d=1[r];color=c=lime:s=32x32:r=8:d=1[g];"
        "color=c=blue:s=32x32:r=8:d=1[b];[r][g][b]hstack=inputs=3'" +
        std::string(kLosslessRgb) + file("thirds.mkv"));
    run_ffmpeg("-f lavfi -i sine=frequency=440:duration=1 -c:a aac " + file("audio_only.m4a"));
    const std::vector<uint8_t> mp4 = media_test::read_bytes(file("audio_first.mp4"));
    media_test::write_bytes(file("truncated.mp4"),
                            std::vector<uint8_t>(mp4.begin(), mp4.begin() + mp4.size() / 3));
    std::vector<uint8_t> garbage(50000);
    for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<uint8_t>(i * 7919 >> 3);
    media_test::write_bytes(file("garbage.mp4"), garbage);
  }
  static void TearDownTestSuite() { dir_.reset(); }
  static std::string file(const std::string& name) { return dir_->file(name); }

  static std::unique_ptr<ScratchDir> dir_;
};
std::unique_ptr<ScratchDir> VideoDecoderTest::dir_;

DecodeOptions options(double fps, int height, int width) {
  DecodeOptions options;
  options.fps = fps;
  options.height = height;
  options.width = width;
  return options;
}

TEST_F(VideoDecoderTest, PicksTheVideoStreamWhenAudioComesFirst) {
  const RgbVideo video = decode_video(file("audio_first.mp4"), options(8, 32, 32));
  EXPECT_EQ(video.frames, 16);  // 2 s at 8 fps
  EXPECT_EQ(video.height, 32);
  EXPECT_EQ(video.width, 32);
  EXPECT_EQ(video.pixels.size(), 16u * 32 * 32 * 3);
}

TEST_F(VideoDecoderTest, ReadsWebmAviAndGifAtTheRequestedSize) {
  for (const char* name : {"mandelbrot.webm", "mjpeg.avi", "testsrc.gif"}) {
    const RgbVideo video = decode_video(file(name), options(8, 24, 40));
    EXPECT_EQ(video.frames, 8) << name;  // 1 s at 8 fps
    EXPECT_EQ(video.height, 24) << name;
    EXPECT_EQ(video.width, 40) << name;
    EXPECT_EQ(video.pixels.size(), 8u * 24 * 40 * 3) << name;
  }
}

TEST_F(VideoDecoderTest, KeepsAnOddSourceSizePixelExact) {
  const RgbVideo video = decode_video(file("odd_size.mkv"), options(8, 0, 0));
  EXPECT_EQ(video.height, 61);
  EXPECT_EQ(video.width, 97);
  EXPECT_EQ(video.pixels,
            media_test::decode_with_ffmpeg(file("odd_size.mkv"), file("odd_size.rgb")));
}

TEST_F(VideoDecoderTest, CropsTheCenterWhenOnlyTheAspectRatioDiffers) {
  const RgbVideo square = decode_video(file("odd_size.mkv"), options(8, 61, 61));
  const std::vector<uint8_t> full =
      media_test::decode_with_ffmpeg(file("odd_size.mkv"), file("odd_size_full.rgb"));
  ASSERT_EQ(square.frames, 8);
  ASSERT_EQ(full.size(), 8u * 61 * 97 * 3);
  const int crop_x = (97 - 61) / 2;
  for (int t = 0; t < 8; ++t) {
    for (int y = 0; y < 61; ++y) {
      const uint8_t* expected = full.data() + ((t * 61 + y) * 97 + crop_x) * 3;
      const uint8_t* actual = square.frame(t) + y * 61 * 3;
      ASSERT_TRUE(std::equal(actual, actual + 61 * 3, expected)) << "t=" << t << " y=" << y;
    }
  }
}

TEST_F(VideoDecoderTest, ScalesDownThenCropsTheMiddle) {
  const RgbVideo video = decode_video(file("thirds.mkv"), options(8, 16, 16));
  ASSERT_EQ(video.frames, 8);
  for (size_t pixel = 0; pixel < video.pixels.size(); pixel += 3) {
    ASSERT_LE(video.pixels[pixel], 8) << "pixel " << pixel / 3;
    ASSERT_GE(video.pixels[pixel + 1], 247) << "pixel " << pixel / 3;
    ASSERT_LE(video.pixels[pixel + 2], 8) << "pixel " << pixel / 3;
  }
}

std::vector<int> red_of_each_frame(const RgbVideo& video) {
  std::vector<int> reds;
  for (int t = 0; t < video.frames; ++t) reds.push_back(video.frame(t)[0]);
  return reds;
}

TEST_F(VideoDecoderTest, RepeatsOrDropsFramesByTimestamp) {
  // The source has 8 frames at 4 fps, frame n with red n * 30.
  EXPECT_EQ(
      red_of_each_frame(decode_video(file("counter.mkv"), options(8, 0, 0))),
      (std::vector<int>{0, 0, 30, 30, 60, 60, 90, 90, 120, 120, 150, 150, 180, 180, 210, 210}));
  EXPECT_EQ(red_of_each_frame(decode_video(file("counter.mkv"), options(2, 0, 0))),
            (std::vector<int>{0, 60, 120, 180}));
}

TEST_F(VideoDecoderTest, StopsAtMaxFrames) {
  DecodeOptions first_three = options(8, 8, 8);
  first_three.max_frames = 3;
  EXPECT_EQ(decode_video(file("audio_first.mp4"), first_three).frames, 3);
}

TEST_F(VideoDecoderTest, StreamsFramesAtSeveralSizes) {
  VideoDecoder decoder(file("mandelbrot.webm"), 5);
  EXPECT_EQ(decoder.source_height(), 120);
  EXPECT_EQ(decoder.source_width(), 160);
  EXPECT_DOUBLE_EQ(decoder.source_fps(), 10);
  int frames = 0;
  std::vector<uint8_t> small, large;
  while (decoder.next_frame()) {
    decoder.append_rgb(8, 8, small);
    decoder.append_rgb(32, 16, large);
    ++frames;
  }
  EXPECT_EQ(frames, 5);
  EXPECT_EQ(small.size(), 5u * 8 * 8 * 3);
  EXPECT_EQ(large.size(), 5u * 32 * 16 * 3);
  EXPECT_FALSE(decoder.next_frame());
}

void expect_input_error_naming(const std::string& path) {
  try {
    decode_video(path);
    ADD_FAILURE() << "no InputError for " << path;
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find(path), std::string::npos) << error.what();
  }
}

TEST_F(VideoDecoderTest, ReportsUnreadableFilesByName) {
  expect_input_error_naming(file("garbage.mp4"));
  expect_input_error_naming(file("truncated.mp4"));
  expect_input_error_naming(file("audio_only.m4a"));
  expect_input_error_naming(file("missing.mp4"));
}

TEST_F(VideoDecoderTest, RejectsANonPositiveFrameRate) {
  EXPECT_THROW(VideoDecoder(file("odd_size.mkv"), 0), InputError);
}

}  // namespace
}  // namespace vdit::data
