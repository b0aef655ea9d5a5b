// FID, FVD, KID and CLIP score of the fixture shard sets against the values the fixture script
// computed in Python with the same TorchScript files.
#include <fmt/core.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "data/png_writer.h"
#include "eval/clip_score.h"
#include "eval/frechet_distance.h"
#include "eval/input_statistics.h"
#include "eval/kernel_distance.h"
#include "parallel/solo_communicator.h"
#include "tests/data/media_test_utils.h"
#include "tests/eval/eval_fixtures.h"

namespace vdit::eval {
namespace {

// The detectors run in float32, whose last bits differ between BLAS kernels; 1e-4 relative
// covers that on any x86-64 while a wrong preprocessing step moves these values by percents.
constexpr double kDetectorTolerance = 1e-4;

const nlohmann::json& shards() { return test::reference()["shards"]; }

double fd_of(const std::string& a, const std::string& b, const FeatureProtocol& protocol) {
  const auto group = parallel::make_solo_communicator();
  return frechet_distance(input_statistics(a, &protocol, group, nullptr).statistics,
                          input_statistics(b, &protocol, group, nullptr).statistics)
      .value;
}

TEST(ShardMetrics, FidMatchesPythonWhenComputedOverAllFrames) {
  FrameDetector detector = FrameDetector::load(test::fixture("inception_tiny.pt"), 16);
  const FeatureProtocol protocol = frame_protocol(detector);
  const double expected = shards()["fid_scipy"];
  EXPECT_NEAR(fd_of(test::fixture("set_a"), test::fixture("set_b"), protocol), expected,
              kDetectorTolerance * expected);
  const auto group = parallel::make_solo_communicator();
  EXPECT_EQ(input_statistics(test::fixture("set_a"), &protocol, group, nullptr).statistics.count,
            shards()["frames"].get<int64_t>());  // set_a: 10 clips x 8 frames
}

TEST(ShardMetrics, FidIsUnchangedWhenFramesComeAsPngFolder) {
  // PNG is lossless and FID takes every frame: set_b as a folder of PNG images (each decoded by
  // FFmpeg as a one-frame video) is the same frame set as set_b's shard.
  data::media_test::ScratchDir scratch("vdit-eval-png");
  VideoSource set_b = VideoSource::open(test::fixture("set_b"));
  for (int64_t i = 0; i < set_b.size(); ++i) {
    const data::RgbVideo video = set_b.video(i);
    for (int frame = 0; frame < video.frames; ++frame) {
      data::write_png(scratch.file(fmt::format("clip{:02d}_frame{:02d}.png", i, frame)), video,
                      frame);
    }
  }
  FrameDetector detector = FrameDetector::load(test::fixture("inception_tiny.pt"), 16);
  const FeatureProtocol protocol = frame_protocol(detector);
  const double expected = shards()["fid_scipy"];
  EXPECT_NEAR(fd_of(test::fixture("set_a"), scratch.path().string(), protocol), expected,
              kDetectorTolerance * expected);
}

TEST(ShardMetrics, FvdMatchesPythonForEachPreset) {
  double previous = -1;
  for (const char* preset : {"stylegan-v", "videogpt"}) {
    FvdProtocol protocol;
    protocol.preset = parse_fvd_preset(preset, "test");
    protocol.frames = 8;
    VideoDetector detector = VideoDetector::load(test::fixture("i3d_tiny.pt"), protocol, 12);
    const double expected = shards()[std::string("fvd_") + preset];
    const double found =
        fd_of(test::fixture("set_a"), test::fixture("set_b"), clip_protocol(detector));
    EXPECT_NEAR(found, expected, kDetectorTolerance * expected) << preset;
    // The presets must differ by more than the tolerance, or this test could not tell them apart.
    if (previous >= 0) EXPECT_GT(std::abs(found - previous), 10 * kDetectorTolerance * found);
    previous = found;
  }
}

TEST(ShardMetrics, FvdNamesVideoWhenShorterThanClip) {
  FvdProtocol protocol;  // 16 frames; the fixture clips have 8
  VideoDetector detector = VideoDetector::load(test::fixture("i3d_tiny.pt"), protocol, 12);
  const FeatureProtocol features = clip_protocol(detector);
  const auto group = parallel::make_solo_communicator();
  try {
    input_statistics(test::fixture("set_b"), &features, group, nullptr);
    FAIL() << "an 8-frame clip was accepted for 16-frame FVD";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("8 frames, expected at least 16"), std::string::npos)
        << error.what();
  }
}

TEST(ShardMetrics, ClipScoreMatchesPythonInBothConventions) {
  ClipModel model = ClipModel::load(test::fixture("clip_tiny.pt"));
  const BpeTokenizer tokenizer = BpeTokenizer::load(test::fixture("bpe_tiny_vocab.txt.gz"));
  std::ifstream prompts_file(test::fixture("prompts.txt"));
  std::vector<std::string> prompts;
  for (std::string line; std::getline(prompts_file, line);) prompts.push_back(line);
  VideoSource source = VideoSource::open(test::fixture("set_b"));
  ASSERT_EQ(source.size(), static_cast<int64_t>(prompts.size()));
  ClipScoreSums sums;
  for (int64_t i = 0; i < source.size(); ++i) {
    sums.add(model, tokenizer, frames_tensor(source.video(i)), prompts[static_cast<size_t>(i)]);
  }
  const auto& expected = shards()["clip_score_b"];
  const double torchmetrics = expected["torchmetrics"];
  const double clipscore = expected["clipscore"];
  EXPECT_NEAR(sums.score(ClipConvention::kTorchmetrics), torchmetrics,
              kDetectorTolerance * torchmetrics);
  EXPECT_NEAR(sums.score(ClipConvention::kClipscore), clipscore, kDetectorTolerance * clipscore);
}

TEST(ShardMetrics, KidIsLargerBetweenSetsThanWithinOne) {
  FrameDetector detector = FrameDetector::load(test::fixture("inception_tiny.pt"), 16);
  const FeatureProtocol protocol = frame_protocol(detector);
  const auto group = parallel::make_solo_communicator();
  const at::Tensor a = input_features(test::fixture("set_a"), protocol, group);
  const at::Tensor b = input_features(test::fixture("set_b"), protocol, group);
  EXPECT_EQ(a.size(0), 80);
  const double across = kernel_distance(a, b).mean;
  const double within = kernel_distance(a.slice(0, 0, 40), a.slice(0, 40)).mean;
  EXPECT_GT(across, within);
}

}  // namespace
}  // namespace vdit::eval
