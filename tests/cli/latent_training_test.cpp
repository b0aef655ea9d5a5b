// End to end with the committed fixtures (scripts/latent_fixtures): `vdit data pack` with a VAE and
// a text encoder writes latent shards with caption embeddings, `vdit train` trains on them and
// records the VAE, `vdit sample` decodes to pixels; the mistakes a user can make exit 2 or warn.
#include <fmt/core.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/vdit_command.h"

namespace {

namespace fs = std::filesystem;

using Result = vdit::testing::VditResult;
using vdit::testing::run_vdit;

std::string fixture(const std::string& name) {
  return std::string(VDIT_SOURCE_DIR) + "/tests/fixtures/latent/" + name;
}

void expect_contains(const Result& result, const std::string& part) {
  EXPECT_NE(result.output.find(part), std::string::npos) << "\"" << part << "\" not in:\n"
                                                         << result.output;
}

// The text after `prefix` up to the next space, e.g. the checksum after "vae ".
std::string word_after(const std::string& text, const std::string& prefix) {
  const size_t start = text.find(prefix);
  if (start == std::string::npos) return "";
  const size_t begin = start + prefix.size();
  return text.substr(begin, text.find_first_of(" \n\"'", begin) - begin);
}

// Packed once for the suite: two 1-second videos at 8 fps, clips of 1 and 4 frames at 16x16,
// which the fixture VAE encodes to 4 channels at 8x8.
class LatentTraining : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / fmt::format("vdit_latent_test_{}", ::getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    for (const char* source : {"testsrc", "mandelbrot"}) {
      const std::string command = fmt::format(
          "ffmpeg -v error -y -f lavfi -i {}=size=64x48:rate=8 -frames:v 8 -c:v ffv1 {}/{}.mkv",
          source, dir_.string(), source);
      ASSERT_EQ(std::system(command.c_str()), 0) << command;
      std::ofstream(dir_ / (std::string(source) + ".txt")) << "a " << source << " pattern\n";
    }
    pack_ = run_vdit(
        fmt::format("data pack {0}/testsrc.mkv {0}/mandelbrot.mkv --out {0}/shards --frames 1,4 "
                    "--resolutions 16x16 --patch 1,2,2 --caption-length 8 {1}",
                    dir_.string(), networks()));
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static std::string networks(const std::string& vae = "vae_tiny.pt") {
    return fmt::format("--vae {} --text-encoder {} --tokenizer {}", fixture(vae),
                       fixture("text_encoder_tiny.pt"), fixture("tokenizer_tiny.model"));
  }
  // A tiny latent model, 3 steps over both buckets; `extra` overrides.
  static Result train(const std::string& run, const std::string& extra = "") {
    return run_vdit(fmt::format(
        "train --run-dir {0}/{1} --set 'data.shards=[\"{0}/shards\"]' --set model.space=\"latent\" "
        "--set model.channels=4 --set model.patch_size=2 --set model.condition=\"embeddings\" "
        "--set model.caption_embed_dim=8 --set model.caption_length=8 --set model.hidden_size=24 "
        "--set model.depth=1 --set model.num_heads=2 --set training.global_batch=4 "
        "--set training.log_every=1 --set 'curriculum.stages=[{{name=\"all\", frames_min=1, "
        "frames_max=4, steps=3}}]' {2}",
        dir_.string(), run, extra));
  }
  static Result sample(const std::string& run, const std::string& flags) {
    return run_vdit(fmt::format(
        "sample --run {0}/{1} --frames 4 --size 16x16 --steps 2 --caption 'a testsrc pattern' "
        "--out {0}/{1}/out {2}",
        dir_.string(), run, flags));
  }

  static fs::path dir_;
  static Result pack_;
};
fs::path LatentTraining::dir_;
Result LatentTraining::pack_;

TEST_F(LatentTraining, PackWritesLatentShardsWithTheVaeAndCaptionEmbeddings) {
  ASSERT_EQ(pack_.exit_code, 0) << pack_.output;
  expect_contains(pack_, "1x16x16 -> 1x8x8");
  expect_contains(pack_, "4x16x16 -> 4x8x8");
  expect_contains(pack_, "model.channels = 4");
  const Result inspect =
      run_vdit(fmt::format("data inspect {}/shards/pack-00000.h5", dir_.string()));
  ASSERT_EQ(inspect.exit_code, 0) << inspect.output;
  expect_contains(inspect, "space latent, channels 4, patch [1, 2, 2]");
  expect_contains(inspect, "bucket 4x8x8: 4 samples");
  expect_contains(inspect, "caption_emb [16, 8, 8] float16");
  EXPECT_EQ(word_after(inspect.output, "  vae ").rfind("crc32:", 0), 0u) << inspect.output;
}

TEST_F(LatentTraining, TrainsRecordsTheVaeAndSamplesDecodedPixels) {
  ASSERT_EQ(pack_.exit_code, 0) << pack_.output;
  const Result trained = train("run");
  ASSERT_EQ(trained.exit_code, 0) << trained.output;
  const Result inspect =
      run_vdit(fmt::format("data inspect {}/shards/pack-00000.h5", dir_.string()));
  const std::string vae = word_after(inspect.output, "  vae ");
  const std::string text = word_after(inspect.output, "from text encoder ");
  std::stringstream config;
  config << std::ifstream(dir_ / "run" / "config.toml").rdbuf();
  EXPECT_EQ(word_after(config.str(), "vae_checksum = '"), vae) << config.str();
  EXPECT_EQ(word_after(config.str(), "text_encoder_checksum = '"), text) << config.str();

  const Result sampled = sample("run", networks());
  ASSERT_EQ(sampled.exit_code, 0) << sampled.output;
  EXPECT_EQ(sampled.output.find("warning"), std::string::npos) << sampled.output;
  // The GIF is the decoded 16x16 video upscaled 4x (latents would be 8x8): its logical screen.
  std::ifstream gif(dir_ / "run" / "out" / "sample_00.gif", std::ios::binary);
  char header[10] = {};
  gif.read(header, 10);
  ASSERT_EQ(std::string(header, 6), "GIF89a");
  EXPECT_EQ(static_cast<uint8_t>(header[6]) | static_cast<uint8_t>(header[7]) << 8, 64);
  EXPECT_EQ(static_cast<uint8_t>(header[8]) | static_cast<uint8_t>(header[9]) << 8, 64);

  const Result other = sample("run", networks("vae_tiny_retrained.pt"));
  EXPECT_EQ(other.exit_code, 0) << other.output;
  expect_contains(other, "warning: --vae " + fixture("vae_tiny_retrained.pt"));
  expect_contains(other, "packed with " + vae);

  const Result no_vae =
      sample("run", fmt::format("--text-encoder {} --tokenizer {}", fixture("text_encoder_tiny.pt"),
                                fixture("tokenizer_tiny.model")));
  EXPECT_EQ(no_vae.exit_code, 2) << no_vae.output;
  expect_contains(no_vae, "trained on latents (model.space = \"latent\", 4 channels, VAE " + vae);
  expect_contains(no_vae, "--vae FILE.pt");

  const Result no_text = sample("run", "--vae " + fixture("vae_tiny.pt"));
  EXPECT_EQ(no_text.exit_code, 2) << no_text.output;
  expect_contains(no_text, "give --text-encoder FILE.pt and --tokenizer FILE");
}

TEST_F(LatentTraining, RefusesAModelWhoseSpaceOrChannelsDifferFromTheShards) {
  ASSERT_EQ(pack_.exit_code, 0) << pack_.output;
  const Result channels = train("bad-channels", "--set model.channels=3");
  EXPECT_EQ(channels.exit_code, 2) << channels.output;
  expect_contains(channels, "channels is 4, the model expects 3 (model.channels)");
  const Result space = train("bad-space", "--set model.space=\"pixel\"");
  EXPECT_EQ(space.exit_code, 2) << space.output;
  expect_contains(space, "space is \"latent\", the model expects \"pixel\" (model.space");
  const Result vae = train("bad-vae", "--set model.vae_checksum=\"crc32:00000000-1\"");
  EXPECT_EQ(vae.exit_code, 2) << vae.output;
  expect_contains(vae, "model.vae_checksum = \"crc32:00000000-1\", but the shards");
}

TEST(DataCommand, ExitsTwoNamingTheFlagOnBadPackArguments) {
  const Result unknown = run_vdit("data pack a.mp4 --out x --colour red");
  EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
  EXPECT_NE(unknown.output.find("colour"), std::string::npos) << unknown.output;
  EXPECT_NE(unknown.output.find("see vdit data pack --help"), std::string::npos) << unknown.output;
  const Result lonely =
      run_vdit("data pack a.mp4 --out x --text-encoder " + fixture("text_encoder_tiny.pt"));
  EXPECT_EQ(lonely.exit_code, 2) << lonely.output;
  EXPECT_NE(lonely.output.find("--text-encoder and --tokenizer go together"), std::string::npos)
      << lonely.output;
  const Result frames = run_vdit("data pack a.mp4 --out x --frames 1,two");
  EXPECT_EQ(frames.exit_code, 2) << frames.output;
  EXPECT_NE(frames.output.find("--frames: found \"two\""), std::string::npos) << frames.output;
  const Result missing_vae = run_vdit("data pack a.mp4 --out x --vae /nonexistent/vae.pt");
  EXPECT_EQ(missing_vae.exit_code, 2) << missing_vae.output;
  EXPECT_NE(missing_vae.output.find("/nonexistent/vae.pt"), std::string::npos)
      << missing_vae.output;
  const Result seed = run_vdit("data synth --out x --seed -3");
  EXPECT_EQ(seed.exit_code, 2) << seed.output;
  EXPECT_NE(seed.output.find("--seed: found -3"), std::string::npos) << seed.output;
  const Result help = run_vdit("data inspect --help");
  EXPECT_EQ(help.exit_code, 0) << help.output;
  EXPECT_NE(help.output.find("--captions"), std::string::npos) << help.output;
}

}  // namespace
