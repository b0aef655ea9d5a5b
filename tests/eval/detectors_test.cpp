#include "eval/detectors.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/error.h"
#include "tests/data/media_test_utils.h"
#include "tests/eval/eval_fixtures.h"

namespace vdit::eval {
namespace {

// Runs `load` and returns the InputError's message ("" if it did not throw one).
template <typename Load>
std::string input_error_of(Load load) {
  try {
    load();
  } catch (const InputError& error) {
    return error.what();
  }
  return "";
}

void expect_contains(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "\"" << part << "\" not in: " << text;
}

TEST(FrameDetector, NamesFileWhenMissing) {
  const std::string message =
      input_error_of([] { FrameDetector::load("/nonexistent/inception.pt", 16); });
  expect_contains(message, "/nonexistent/inception.pt");
  expect_contains(message, "no such detector file");
}

TEST(FrameDetector, NamesFileWhenNotTorchScript) {
  data::media_test::ScratchDir scratch("vdit-detector");
  const std::string path = scratch.file("inception.pt");
  std::ofstream(path) << "not a zip archive";
  const std::string message = input_error_of([&] { FrameDetector::load(path, 16); });
  expect_contains(message, path);
  expect_contains(message, "not a TorchScript file");
}

TEST(FrameDetector, NamesSignatureWhenForwardTakesNoReturnFeatures) {
  const std::string path = test::fixture("inception_bad_signature.pt");
  const std::string message = input_error_of([&] { FrameDetector::load(path, 16); });
  expect_contains(message, path);
  expect_contains(message, "forward(x)");
  expect_contains(message, "expected forward(x, return_features)");
}

TEST(FrameDetector, NamesWidthsWhenOutputWidthDiffers) {
  const std::string path = test::fixture("inception_tiny.pt");
  const std::string message = input_error_of([&] { FrameDetector::load(path); });
  expect_contains(message, path);
  expect_contains(message, "[2, 16]");
  expect_contains(message, "[2, 2048]");
}

TEST(FrameDetector, GivesOneVectorPerFrameWhenFileIsValid) {
  FrameDetector detector = FrameDetector::load(test::fixture("inception_tiny.pt"), 16);
  const at::Tensor features = detector.features(at::full({5, 3, 24, 40}, 100, at::kByte));
  EXPECT_EQ(features.size(0), 5);
  EXPECT_EQ(features.size(1), 16);
  EXPECT_EQ(features.scalar_type(), at::kDouble);
  EXPECT_EQ(detector.file().checksum.rfind("crc32:", 0), 0u);
}

TEST(VideoDetector, RefusesFrameNetworkWhenSignatureLacksRescaleAndResize) {
  const std::string message = input_error_of(
      [] { VideoDetector::load(test::fixture("inception_tiny.pt"), FvdProtocol{}, 12); });
  expect_contains(message, "forward(x, rescale, resize, return_features)");
}

TEST(ClipModel, NamesMissingMethodWhenFileIsNotClip) {
  const std::string path = test::fixture("inception_tiny.pt");
  const std::string message = input_error_of([&] { ClipModel::load(path); });
  expect_contains(message, path);
  expect_contains(message, "encode_image");
}

}  // namespace
}  // namespace vdit::eval
