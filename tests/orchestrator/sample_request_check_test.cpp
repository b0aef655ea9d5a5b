// `vdit sample` flags are checked before any compute, against the model and the machine's memory.
#include "orchestrator/sample_request_check.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "core/config_io.h"
#include "core/config_validate.h"
#include "core/error.h"
#include "orchestrator/sample_formats.h"

namespace vdit::orchestrator {
namespace {

std::string error_of(const std::function<void()>& check) {
  try {
    check();
  } catch (const InputError& error) {
    return error.what();
  }
  return "";
}

SampleRequest one_caption() {
  SampleRequest request;
  request.captions = {"a red circle moving right"};
  return request;
}

// The demo's model: patch 1x4x4, hidden 96, 3 blocks of 4 heads, 64 caption tokens.
RunConfig demo_model() {
  RunConfig config = parse_run_config(
      "[model]\npatch_size = 4\nhidden_size = 96\ndepth = 3\nnum_heads = 4\nmlp_ratio = 2.0\n"
      "caption_length = 64\n",
      "run.toml");
  resolve_and_validate(config);
  return config;
}

TEST(CheckSampleFlags, AcceptsTheDefaults) {
  EXPECT_EQ(error_of([] { check_sample_flags(one_caption()); }), "");
  EXPECT_EQ(error_of([] { check_sample_against_model(one_caption(), demo_model()); }), "");
}

// `--frames 0` used to reach LibTorch's reshape (exit 1); `--steps 0` sampled nothing and wrote
// noise (exit 0).
TEST(CheckSampleFlags, NamesTheFlagFoundAndExpectedWhenAValueIsOutOfRange) {
  auto flag_error = [](const std::function<void(SampleRequest&)>& change) {
    SampleRequest request = one_caption();
    change(request);
    return error_of([&] { check_sample_flags(request); });
  };
  EXPECT_EQ(flag_error([](SampleRequest& r) { r.frames = 0; }), "--frames: found 0, expected >= 1");
  EXPECT_NE(flag_error([](SampleRequest& r) { r.width = -32; }).find("--size: found 32x-32"),
            std::string::npos);
  EXPECT_NE(
      flag_error([](SampleRequest& r) { r.steps = 0; }).find("--steps: found 0, expected >= 1"),
      std::string::npos);
  EXPECT_NE(flag_error([](SampleRequest& r) { r.guidance = -1; }).find("--guidance: found -1"),
            std::string::npos);
  EXPECT_NE(flag_error([](SampleRequest& r) {
              r.guidance = std::nan("");
            }).find("--guidance: found nan, expected a scale in [0, 100]"),
            std::string::npos);
  EXPECT_EQ(flag_error([](SampleRequest& r) { r.seed = -1; }), "--seed: found -1, expected >= 0");
  EXPECT_NE(flag_error([](SampleRequest& r) { r.sampler = "euler"; }).find("\"euler\""),
            std::string::npos);
  EXPECT_NE(flag_error([](SampleRequest& r) { r.captions.clear(); }).find("--caption"),
            std::string::npos);
  EXPECT_EQ(flag_error([](SampleRequest& r) { r.upscale = 0; }),
            "--upscale: found 0, expected 1..32");
  EXPECT_EQ(flag_error([](SampleRequest& r) { r.fps = 51; }), "--fps: found 51, expected 1..50");
}

TEST(ParseSampleFormats, TakesAnyCommaSeparatedSubset) {
  const SampleFormats mp4 = parse_sample_formats("mp4");
  EXPECT_TRUE(!mp4.gif && mp4.mp4 && !mp4.png);
  const SampleFormats png_gif = parse_sample_formats("png,gif");
  EXPECT_TRUE(png_gif.gif && !png_gif.mp4 && png_gif.png);
  const SampleFormats all = parse_sample_formats("gif,mp4,png");
  EXPECT_TRUE(all.gif && all.mp4 && all.png);
}

TEST(ParseSampleFormats, NamesTheFlagAndTheValueWhenAFormatIsUnknownOrRepeated) {
  EXPECT_EQ(error_of([] { parse_sample_formats("gif,webm"); }),
            "--format: found \"webm\" in \"gif,webm\", expected gif, mp4 or png (a "
            "comma-separated list such as gif,mp4)");
  EXPECT_EQ(error_of([] { parse_sample_formats("mp4,mp4"); }),
            "--format: found \"mp4\" twice in \"mp4,mp4\", expected each once");
  for (const char* bad : {"", ",", "gif,", ",gif", "GIF"}) {
    EXPECT_NE(error_of([&] { parse_sample_formats(bad); }).find("--format: found \""),
              std::string::npos)
        << bad;
  }
}

TEST(CheckSampleAgainstModel, NamesThePatchWhenTheSizeDoesNotDivide) {
  SampleRequest request = one_caption();
  request.height = 30;
  EXPECT_EQ(error_of([&] { check_sample_against_model(request, demo_model()); }),
            "--size: found 30x32, expected H and W multiples of the model's model.patch_size (4)");
}

TEST(CheckSampleAgainstModel, RefusesStepsBeyondTheScheduleOrWithDdpm) {
  SampleRequest request = one_caption();
  request.steps = 1001;
  EXPECT_NE(error_of([&] {
              check_sample_against_model(request, demo_model());
            }).find("--steps: found 1001, expected 1..1000"),
            std::string::npos);
  request.steps = 20;
  request.sampler = "ddpm";
  EXPECT_NE(error_of([&] {
              check_sample_against_model(request, demo_model());
            }).find("DDPM sampler visits every one"),
            std::string::npos);
}

// `--frames 100000 --size 32x32` used to grow until the kernel killed it (exit 137).
TEST(CheckSampleMemory, RefusesWithTheEstimateWhenTheRequestExceedsAvailableMemory) {
  SampleRequest request = one_caption();
  request.frames = 100000;
  const double estimate = estimate_sample_memory_bytes(request, demo_model());
  // 6.4 M tokens: the (2, 4, L, L) score matrices alone are ~10^15 bytes.
  EXPECT_GT(estimate, 1e15);
  const int64_t sixteen_gb = int64_t{16} << 30;
  const std::string message = error_of([&] { check_sample_memory(request, estimate, sixteen_gb); });
  EXPECT_NE(message.find("--frames 100000 --size 32x32 with 1 caption(s): sampling needs at least"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("more than the 17 GB this machine has available"), std::string::npos)
      << message;
}

TEST(CheckSampleMemory, AcceptsTheDemoRequestOnASmallMachine) {
  SampleRequest request = one_caption();
  request.captions.resize(3, "a caption");
  const double estimate = estimate_sample_memory_bytes(request, demo_model());
  // 8x32x32 = 512 tokens: a few tens of MB; anything near a GB would refuse small machines.
  EXPECT_LT(estimate, 200e6);
  EXPECT_GT(estimate, 10e6);
  EXPECT_EQ(error_of([&] { check_sample_memory(request, estimate, int64_t{1} << 30); }), "");
  EXPECT_EQ(error_of([&] { check_sample_memory(request, 1e30, std::nullopt); }), "");
}

TEST(EstimateSampleMemoryBytes, GrowsWithTheSquareOfTheTokenCount) {
  SampleRequest request = one_caption();
  request.frames = 64;
  const double short_clip = estimate_sample_memory_bytes(request, demo_model());
  request.frames = 128;
  const double long_clip = estimate_sample_memory_bytes(request, demo_model());
  EXPECT_GT(long_clip / short_clip, 3.5);
  EXPECT_LT(long_clip / short_clip, 4.0);
}

}  // namespace
}  // namespace vdit::orchestrator
