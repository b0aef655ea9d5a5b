// The user's TorchScript VAE and text encoder (eval/latent_autoencoder.h, eval/text_encoder.h)
// against the values scripts/latent_fixtures computed with PyTorch and SentencePiece's Python
// binding, and their errors on files that break the contract.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "eval/latent_autoencoder.h"
#include "eval/sentencepiece_tokenizer.h"
#include "eval/text_encoder.h"
#include "tests/eval/eval_fixtures.h"

namespace vdit::eval {
namespace {

std::string latent_fixture(const std::string& name) {
  return std::string(VDIT_SOURCE_DIR) + "/tests/fixtures/latent/" + name;
}

const nlohmann::json& latent_reference() {
  static const nlohmann::json loaded =
      nlohmann::json::parse(std::ifstream(latent_fixture("reference.json")));
  return loaded;
}

template <typename Call>
std::string input_error_of(Call call) {
  try {
    call();
  } catch (const InputError& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected an InputError";
  return "";
}

void expect_contains(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "\"" << part << "\" not in: " << text;
}

// The script's deterministic_clip: (31 t + 7 y + 3 x + 50 c) mod 256, [T, H, W, 3].
std::vector<uint8_t> deterministic_clip(int64_t frames, int64_t size) {
  std::vector<uint8_t> clip;
  for (int64_t t = 0; t < frames; ++t) {
    for (int64_t y = 0; y < size; ++y) {
      for (int64_t x = 0; x < size; ++x) {
        for (int64_t c = 0; c < 3; ++c) {
          clip.push_back(static_cast<uint8_t>((31 * t + 7 * y + 3 * x + 50 * c) % 256));
        }
      }
    }
  }
  return clip;
}

TEST(LatentAutoencoder, EncodesAClipAsPyTorchDoesScaledAndChannelsLast) {
  const auto vae = LatentAutoencoder::load(latent_fixture("vae_tiny.pt"));
  const nlohmann::json& expected = latent_reference()["vae"];
  EXPECT_NEAR(vae.scaling_factor(), expected["scaling_factor"].get<double>(), 1e-12);
  const data::BucketShape pixels{2, 8, 8};
  EXPECT_EQ(vae.latent_shape(pixels), (data::BucketShape{2, 4, 4}));
  EXPECT_EQ(vae.channels(), 4);
  const std::vector<float> latents = vae.encode(deterministic_clip(2, 8), pixels);
  const auto reference = expected["latents"].get<std::vector<double>>();
  ASSERT_EQ(latents.size(), reference.size());
  for (size_t i = 0; i < latents.size(); ++i) EXPECT_NEAR(latents[i], reference[i], 1e-5) << i;
}

TEST(LatentAutoencoder, DecodeInvertsTheScalingAndReconstructsTheClip) {
  const auto vae = LatentAutoencoder::load(latent_fixture("vae_tiny.pt"));
  // A flat dark clip with a bright square, as the fixture VAE was trained on.
  const data::BucketShape pixels{1, 8, 8};
  std::vector<uint8_t> clip(8 * 8 * 3, 20);
  for (int64_t y = 2; y < 6; ++y) {
    for (int64_t x = 2; x < 6; ++x) {
      for (int64_t c = 0; c < 3; ++c) clip[static_cast<size_t>((y * 8 + x) * 3 + c)] = 230;
    }
  }
  const std::vector<float> latents = vae.encode(clip, pixels);  // [1, 4, 4, 4] channels last
  const at::Tensor z = at::tensor(latents).view({1, 4, 4, 4}).permute({3, 0, 1, 2}).unsqueeze(0);
  const at::Tensor video = vae.decode(z, pixels);  // (1, 3, 1, 8, 8)
  ASSERT_EQ(video.sizes(), (std::vector<int64_t>{1, 3, 1, 8, 8}));
  const at::Tensor original = at::tensor(std::vector<float>(clip.begin(), clip.end()))
                                      .view({1, 8, 8, 3})
                                      .permute({3, 0, 1, 2}) /
                                  127.5 -
                              1;
  // Unscaled latents would decode to another picture: the reconstruction must be close.
  EXPECT_LT((video[0] - original).abs().mean().item<double>(), 0.15);
  const at::Tensor unscaled = vae.decode(z / vae.scaling_factor(), pixels);
  EXPECT_GT((unscaled[0] - original).abs().mean().item<double>(),
            (video[0] - original).abs().mean().item<double>());
}

TEST(LatentAutoencoder, NamesTheFileWhenItHasNoEncodeOrDecode) {
  const std::string message =
      input_error_of([] { LatentAutoencoder::load(test::fixture("perceptual_tiny.pt")); });
  expect_contains(message, "perceptual_tiny.pt");
  expect_contains(message, "has no method encode");
}

TEST(LatentAutoencoder, NamesTheFileWhenEncodeRefusesTheClipSize) {
  const auto vae = LatentAutoencoder::load(latent_fixture("vae_tiny.pt"));
  // A 1x1 frame cannot take the 2x2 stride: the network's own error, with the file and call.
  const std::string message = input_error_of([&] { vae.latent_shape({1, 1, 1}); });
  expect_contains(message, "vae_tiny.pt");
  expect_contains(message, "encode(zeros [1, 3, 1, 1, 1])");
}

TEST(SentencePieceTokenizer, MakesTheIdsOfThePythonBindingWithEosAndPadding) {
  const auto tokenizer = SentencePieceTokenizer::load(latent_fixture("tokenizer_tiny.model"));
  const int64_t length = latent_reference()["caption_length"];
  for (const nlohmann::json& example : latent_reference()["sentencepiece"]) {
    EXPECT_EQ(tokenizer.tokenize(example["text"], length),
              example["ids"].get<std::vector<int64_t>>())
        << example["text"];
  }
}

TEST(SentencePieceTokenizer, NamesTheFileWhenItIsNotAModel) {
  const std::string message =
      input_error_of([] { SentencePieceTokenizer::load(latent_fixture("reference.json")); });
  expect_contains(message, "reference.json");
  expect_contains(message, "not a SentencePiece model");
}

TEST(TextEncoder, EmbedsACaptionAsPyTorchDoesWithTheSentencePieceTokenizer) {
  const nlohmann::json& expected = latent_reference()["text_encoder"];
  const int64_t length = latent_reference()["caption_length"];
  const auto encoder = TextEncoder::load(latent_fixture("text_encoder_tiny.pt"),
                                         latent_fixture("tokenizer_tiny.model"), length);
  EXPECT_EQ(encoder.dim(), expected["dim"].get<int64_t>());
  EXPECT_EQ(encoder.length(), length);
  const std::vector<float> embeddings = encoder.encode(expected["text"]);
  const auto reference = expected["embeddings"].get<std::vector<double>>();
  ASSERT_EQ(embeddings.size(), reference.size());
  for (size_t i = 0; i < embeddings.size(); ++i) {
    EXPECT_NEAR(embeddings[i], reference[i], 1e-5) << i;
  }
}

TEST(TextEncoder, TokenizesWithTheClipBpeVocabularyWhenGivenOne) {
  const auto encoder = TextEncoder::load(latent_fixture("text_encoder_tiny.pt"),
                                         test::fixture("bpe_tiny_vocab.txt.gz"), 77);
  const BpeTokenizer bpe = BpeTokenizer::load(test::fixture("bpe_tiny_vocab.txt.gz"));
  EXPECT_EQ(encoder.tokenize("a red circle moving right"),
            bpe.tokenize("a red circle moving right", 77));
  EXPECT_EQ(encoder.encode_batch({"a", "b"}).sizes(), (std::vector<int64_t>{2, 77, 8}));
}

TEST(TextEncoder, NamesTheFileWhenForwardDoesNotReturnOneEmbeddingPerToken) {
  // The CLIP fixture's forward takes (image, text): not the text encoder's contract.
  const std::string message = input_error_of([] {
    TextEncoder::load(test::fixture("perceptual_tiny.pt"), latent_fixture("tokenizer_tiny.model"),
                      8);
  });
  expect_contains(message, "perceptual_tiny.pt");
}

}  // namespace
}  // namespace vdit::eval
