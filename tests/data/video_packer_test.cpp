#include "data/video_packer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "core/error.h"
#include "data/caption_tokenizer.h"
#include "data/patchify.h"
#include "data/shard_reader.h"
#include "data/video_decoder.h"
#include "tests/data/media_test_utils.h"
#include "tests/data/shard_test_utils.h"

namespace vdit::data {
namespace {

using media_test::run_ffmpeg;
using media_test::ScratchDir;

const std::vector<Resolution> kResolutions = {{16, 16}, {16, 32}};
const PatchSize kPatch{1, 4};

// Five good videos in five containers, each giving a known number of frames at 8 fps, and two
// broken ones; packed once for the whole suite.
class VideoPackerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<ScratchDir>("video-packer");
    run_ffmpeg(
        "-f lavfi -i testsrc=size=320x240:rate=25:duration=2 "  // 16 frames
        "-f lavfi -i sine=frequency=440:duration=2 -c:v libx264 -preset ultrafast "
        "-pix_fmt yuv420p -c:a aac " +
        file("a.mp4"));
    run_ffmpeg(
        "-f lavfi -i mandelbrot=size=160x120:rate=10 -frames:v 10 "  // 8 frames
        "-c:v libvpx-vp9 -deadline realtime -cpu-used 8 " +
        file("b.webm"));
    run_ffmpeg("-f lavfi -i testsrc=size=97x61:rate=8:duration=1.5 -c:v ffv1 " +  // 12 frames
               file("c.mkv"));
    run_ffmpeg("-f lavfi -i testsrc=size=48x32:rate=10:duration=1 " + file("d.gif"));  // 8
    run_ffmpeg("-f lavfi -i testsrc=size=64x48:rate=10:duration=1 -c:v mjpeg " +       // 8 frames
               file("e.avi"));
    std::vector<uint8_t> garbage(20000);
    for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<uint8_t>(i * 131 >> 2);
    media_test::write_bytes(file("garbage.mp4"), garbage);
    const std::vector<uint8_t> mp4 = media_test::read_bytes(file("a.mp4"));
    media_test::write_bytes(file("truncated.mp4"),
                            std::vector<uint8_t>(mp4.begin(), mp4.begin() + mp4.size() / 2));
    std::ofstream(file("a.txt")) << "a test pattern\n";

    PackOptions options;
    options.videos = {file("a.mp4"), file("garbage.mp4"),   file("b.webm"), file("c.mkv"),
                      file("d.gif"), file("truncated.mp4"), file("e.avi")};
    options.out_dir = file("shards");
    options.clip_frames = {1, 4, 8};
    options.resolutions = kResolutions;
    options.patch = kPatch;
    options.max_samples_per_shard = 50;
    progress_ = std::make_unique<std::ostringstream>();
    options.progress = {progress_.get(), false};
    summary_ = std::make_unique<PackSummary>(pack_videos(options));
  }
  static void TearDownTestSuite() {
    summary_.reset();
    progress_.reset();
    dir_.reset();
  }
  static std::string file(const std::string& name) { return dir_->file(name); }

  static std::unique_ptr<ScratchDir> dir_;
  static std::unique_ptr<std::ostringstream> progress_;
  static std::unique_ptr<PackSummary> summary_;
};
std::unique_ptr<ScratchDir> VideoPackerTest::dir_;
std::unique_ptr<std::ostringstream> VideoPackerTest::progress_;
std::unique_ptr<PackSummary> VideoPackerTest::summary_;

// Frames at 8 fps: 16 + 8 + 12 + 8 + 8 = 52, cut into non-overlapping clips per video.
std::map<BucketShape, int64_t> expected_clips() {
  std::map<BucketShape, int64_t> clips;
  for (const Resolution& r : kResolutions) {
    clips[{1, r.height, r.width}] = 16 + 8 + 12 + 8 + 8;
    clips[{4, r.height, r.width}] = 4 + 2 + 3 + 2 + 2;
    clips[{8, r.height, r.width}] = 2 + 1 + 1 + 1 + 1;
  }
  return clips;
}

TEST_F(VideoPackerTest, CountsClipsPerBucket) {
  EXPECT_EQ(summary_->videos_ok, 5);
  EXPECT_EQ(summary_->clips_per_bucket, expected_clips());
}

TEST_F(VideoPackerTest, ReportsBrokenVideosAndKeepsGoing) {
  ASSERT_EQ(summary_->failures.size(), 2u);
  EXPECT_EQ(summary_->failures[0].video, file("garbage.mp4"));
  EXPECT_EQ(summary_->failures[1].video, file("truncated.mp4"));
  EXPECT_NE(summary_->failures[1].reason.find("cannot decode video"), std::string::npos)
      << summary_->failures[1].reason;
  const std::string progress = progress_->str();
  EXPECT_NE(progress.find("[2/7] " + file("garbage.mp4") + ": skipped"), std::string::npos)
      << progress;
  EXPECT_NE(progress.find("[6/7] " + file("truncated.mp4") + ": "), std::string::npos) << progress;
  // Not a terminal: plain lines, the last one with the total and the last video's detail.
  EXPECT_NE(progress.find("pack: 7/7 videos (100%), in "), std::string::npos) << progress;
  EXPECT_NE(progress.find("; " + file("e.avi") + ": 22 clips\n"), std::string::npos) << progress;
  EXPECT_EQ(progress.find("[7/7]"), std::string::npos) << "a video that packed fully has no line";
  EXPECT_NE(progress.find("wrote " + file("shards")), std::string::npos) << progress;
  const std::string text = format_pack_summary(*summary_);
  EXPECT_NE(text.find("packed 5 of 7 videos: 142 clips in 3 shards"), std::string::npos) << text;
  EXPECT_NE(text.find("2 videos failed"), std::string::npos) << text;
}

TEST_F(VideoPackerTest, ShardsHoldEveryClipAndAtMostTheMaximumEach) {
  ASSERT_EQ(summary_->shards.size(), 3u);  // 142 clips, 50 per shard
  std::map<BucketShape, int64_t> found;
  int64_t bytes = 0;
  for (const std::string& path : summary_->shards) {
    ShardReader reader = ShardReader::open(path, {TokenSpace::kPixel, 3, kPatch});
    int64_t samples = 0;
    for (const BucketInfo& bucket : reader.info().buckets) {
      found[bucket.shape] += bucket.samples;
      samples += bucket.samples;
      EXPECT_EQ(bucket.caption_length, CaptionTokenizer::kDefaultLength);
    }
    EXPECT_LE(samples, 50) << path;
    bytes += static_cast<int64_t>(std::filesystem::file_size(path));
  }
  EXPECT_EQ(found, expected_clips());
  EXPECT_EQ(summary_->bytes_written, bytes);
}

TEST_F(VideoPackerTest, FirstClipHoldsTheDecodedFramesPatchifiedWithItsCaption) {
  const BucketShape bucket{4, 16, 32};
  ShardReader reader = ShardReader::open(summary_->shards[0]);
  EXPECT_EQ(reader.read_source(bucket, 0), file("a.mp4") + ":frames 0-3 at 8 fps");
  DecodeOptions decode;
  decode.fps = 8;
  decode.height = 16;
  decode.width = 32;
  decode.max_frames = 4;
  const RgbVideo frames = decode_video(file("a.mp4"), decode);
  EXPECT_EQ(unpatchify_hwc(reader.read_pixel_tokens(bucket, 0), bucket, 3, kPatch), frames.pixels);
  const CaptionTokenizer tokenizer;
  EXPECT_EQ(tokenizer.decode(reader.read_caption_ids(bucket, 0)), "a test pattern");
  EXPECT_EQ(summary_->captions_missing, 4);  // b, c, d, e have no sidecar
}

TEST(VideoPacker, MaxClipsPerVideoCapsEveryBucket) {
  ScratchDir dir("video-packer-cap");
  run_ffmpeg("-f lavfi -i testsrc=size=64x48:rate=8:duration=2 -c:v ffv1 " + dir.file("v.mkv"));
  PackOptions options;
  options.videos = {dir.file("v.mkv")};
  options.out_dir = dir.file("shards");
  options.clip_frames = {1, 4};
  options.resolutions = {{8, 8}};
  options.max_clips_per_video = 3;
  const PackSummary summary = pack_videos(options);
  EXPECT_EQ(summary.clips_per_bucket,
            (std::map<BucketShape, int64_t>{{{1, 8, 8}, 3}, {{4, 8, 8}, 3}}));
  EXPECT_EQ(summary.shards.size(), 1u);
}

TEST(VideoPacker, RejectsBucketsThatDoNotDivideIntoPatchesBeforeDecoding) {
  ScratchDir dir("video-packer-invalid");
  PackOptions options;
  options.videos = {dir.file("never-opened.mp4")};
  options.out_dir = dir.file("shards");
  options.resolutions = {{30, 32}};  // 30 is not a multiple of the patch size 4
  EXPECT_THROW(pack_videos(options), InputError);
  EXPECT_FALSE(std::filesystem::exists(dir.file("shards")));
  options.resolutions = {{32, 32}};
  options.fps = 0;
  EXPECT_THROW(pack_videos(options), InputError);
}

// Test doubles for the networks: 2x2 average pooling of red and green (x 2, the "scaling
// factor"), and captions embedded as their length plus the position.
class PoolingEncoder final : public ClipEncoder {
 public:
  int64_t channels() const override { return 2; }
  double scaling_factor() const override { return 2.0; }
  std::string checksum() const override { return "crc32:p001e000-1"; }
  BucketShape latent_shape(const BucketShape& pixels) const override {
    if (pixels.height % 2 != 0 || pixels.width % 2 != 0) throw InputError("odd clip size");
    return {pixels.frames, pixels.height / 2, pixels.width / 2};
  }
  std::vector<float> encode(const std::vector<uint8_t>& rgb,
                            const BucketShape& pixels) const override {
    const BucketShape latent = latent_shape(pixels);
    std::vector<float> out;  // [T, H/2, W/2, 2]
    for (int64_t t = 0; t < latent.frames; ++t) {
      for (int64_t y = 0; y < latent.height; ++y) {
        for (int64_t x = 0; x < latent.width; ++x) {
          for (int64_t c = 0; c < 2; ++c) {
            float sum = 0;
            for (int64_t dy = 0; dy < 2; ++dy) {
              for (int64_t dx = 0; dx < 2; ++dx) {
                sum += rgb[static_cast<size_t>(
                    ((t * pixels.height + 2 * y + dy) * pixels.width + 2 * x + dx) * 3 + c)];
              }
            }
            out.push_back(static_cast<float>(scaling_factor()) * sum / (4 * 255.0f));
          }
        }
      }
    }
    return out;
  }
};

class LengthEncoder final : public CaptionEncoder {
 public:
  int64_t length() const override { return 3; }
  int64_t dim() const override { return 2; }
  std::string checksum() const override { return "crc32:7e7e7e7e-2"; }
  std::vector<float> encode(const std::string& caption) const override {
    std::vector<float> out;
    for (int i = 0; i < 6; ++i) out.push_back(static_cast<float>(caption.size()) + i);
    return out;
  }
};

TEST(VideoPacker, WritesLatentShardsWithCaptionEmbeddingsThroughTheEncoders) {
  ScratchDir dir("video-packer-latent");
  run_ffmpeg("-f lavfi -i testsrc=size=64x48:rate=8:duration=1 -c:v ffv1 " + dir.file("v.mkv"));
  std::ofstream(dir.file("v.txt")) << "a test pattern\n";
  const PoolingEncoder vae;
  const LengthEncoder text;
  PackOptions options;
  options.videos = {dir.file("v.mkv")};
  options.out_dir = dir.file("shards");
  options.clip_frames = {1, 4};
  options.resolutions = {{16, 16}};
  options.clip_encoder = &vae;
  options.caption_encoder = &text;
  const PackSummary summary = pack_videos(options);
  const BucketShape latent{4, 8, 8};
  EXPECT_EQ(summary.clips_per_bucket,
            (std::map<BucketShape, int64_t>{{{1, 8, 8}, 8}, {latent, 2}}));
  EXPECT_EQ(summary.latent_buckets.at(BucketShape{4, 16, 16}), latent);
  const std::string text_summary = format_pack_summary(summary);
  EXPECT_NE(text_summary.find("4x16x16 -> 4x8x8"), std::string::npos) << text_summary;
  EXPECT_NE(text_summary.find("crc32:p001e000-1"), std::string::npos) << text_summary;

  ShardReader reader = ShardReader::open(summary.shards.at(0));
  const ShardHeader& header = reader.info().header;
  EXPECT_EQ(header.space, TokenSpace::kLatent);
  EXPECT_EQ(header.channels, 2);
  EXPECT_EQ(header.vae_checksum, "crc32:p001e000-1");
  EXPECT_EQ(header.vae_scaling_factor, 2.0);
  EXPECT_EQ(header.text_encoder_checksum, "crc32:7e7e7e7e-2");

  DecodeOptions decode;
  decode.fps = 8;
  decode.height = 16;
  decode.width = 16;
  decode.max_frames = 4;
  const RgbVideo frames = decode_video(dir.file("v.mkv"), decode);
  const std::vector<float> expected = vae.encode(frames.pixels, BucketShape{4, 16, 16});
  const std::vector<float> stored =
      unpatchify_hwc(reader.read_tokens(latent, 0), latent, 2, options.patch);
  ASSERT_EQ(stored.size(), expected.size());
  for (size_t i = 0; i < stored.size(); ++i) {
    EXPECT_NEAR(stored[i], expected[i], 2e-3) << i;  // stored as float16
  }
  std::vector<float> emb(6);
  reader.read_caption_emb(latent, 0, emb.data());
  EXPECT_EQ(emb, text.encode("a test pattern"));
  EXPECT_EQ(CaptionTokenizer().decode(reader.read_caption_ids(latent, 0)), "a test pattern");
}

TEST(VideoPacker, RejectsLatentBucketsThatDoNotDivideIntoPatchesBeforeDecoding) {
  ScratchDir dir("video-packer-latent-invalid");
  const PoolingEncoder vae;
  PackOptions options;
  options.videos = {dir.file("never-opened.mp4")};
  options.out_dir = dir.file("shards");
  options.resolutions = {{24, 24}};  // latents 12x12: no whole 8x8 patches
  options.patch = PatchSize{1, 8};
  options.clip_encoder = &vae;
  shard_test::expect_input_error([&] { pack_videos(options); },
                                 {"clips 1x24x24 encode to latents 1x12x12"});
  EXPECT_FALSE(std::filesystem::exists(dir.file("shards")));
}

TEST(VideoPacker, ParsesResolutions) {
  EXPECT_EQ(parse_resolution("32x48", "--resolutions").height, 32);
  EXPECT_EQ(parse_resolution("32x48", "--resolutions").width, 48);
  for (const char* bad : {"32", "x32", "32x", "32x0", "-4x4", "32x32x1", "axb"}) {
    EXPECT_THROW(parse_resolution(bad, "--resolutions"), InputError) << bad;
  }
}

}  // namespace
}  // namespace vdit::data
