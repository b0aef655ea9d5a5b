#include "eval/detectors.h"

#include <ATen/core/grad_mode.h>
#include <fmt/core.h>

#include "core/error.h"

namespace vdit::eval {
namespace {

const char* const kInceptionRole = "an FID Inception network (inception-2015-12-05.pt)";
const char* const kI3dRole = "an FVD I3D network (i3d_torchscript.pt)";
const char* const kClipRole = "an OpenAI CLIP TorchScript model";

at::Tensor unit_rows(const at::Tensor& x) {  // [N, E] rows scaled to length 1
  return x / x.norm(2, {1}, true).clamp_min(1e-12);
}

}  // namespace

FrameDetector FrameDetector::load(const std::string& path, int64_t expected_width) {
  FrameDetector detector;
  detector.file_ = load_detector_file(path, kInceptionRole);
  require_signature(detector.file_, "forward", {"return_features"});
  detector.width_ = expected_width;
  detector.features(at::zeros({2, 3, 64, 64}, at::kByte));  // the probe: throws if wrong
  return detector;
}

at::Tensor FrameDetector::features(const at::Tensor& frames) {
  at::NoGradGuard no_grad;
  const auto output = call_detector(file_, "forward", {frames}, {{"return_features", true}},
                                    "forward(uint8 [N, 3, H, W], return_features=True)");
  return require_features(file_, output, "forward(x, return_features=True)", frames.size(0), width_)
      .to(at::kDouble);
}

VideoDetector VideoDetector::load(const std::string& path, const FvdProtocol& protocol,
                                  int64_t expected_width) {
  VideoDetector detector;
  detector.file_ = load_detector_file(path, kI3dRole);
  require_signature(detector.file_, "forward", {"rescale", "resize", "return_features"});
  detector.protocol_ = protocol;
  detector.width_ = expected_width;
  detector.features(at::zeros({1, 3, protocol.frames, 64, 64}, at::kByte));  // the probe
  return detector;
}

at::Tensor VideoDetector::features(const at::Tensor& clips) {
  at::NoGradGuard no_grad;
  const bool detector_prepares = protocol_.preset == FvdPreset::kStyleganV;
  const auto output = call_detector(
      file_, "forward", {prepare_clips(clips, protocol_.preset)},
      {{"rescale", detector_prepares}, {"resize", detector_prepares}, {"return_features", true}},
      fmt::format("forward([B, 3, T, H, W], {}) for the {} preset",
                  detector_prepares ? "rescale=True, resize=True" : "rescale=False, resize=False",
                  to_string(protocol_.preset)));
  return require_features(file_, output, "forward(x, rescale, resize, return_features=True)",
                          clips.size(0), width_)
      .to(at::kDouble);
}

ClipModel ClipModel::load(const std::string& path) {
  ClipModel model;
  model.file_ = load_detector_file(path, kClipRole);
  for (const char* method : {"encode_image", "encode_text"}) {
    if (!model.file_.module.find_method(method)) {
      throw InputError(
          fmt::format("{}: has no method {}, expected {} with encode_image(image) "
                      "and encode_text(text)",
                      path, method, kClipRole));
    }
  }
  at::NoGradGuard no_grad;
  const auto image =
      call_detector(model.file_, "encode_image", {at::zeros({1, 3, kImageSize, kImageSize})}, {},
                    "encode_image(float [1, 3, 224, 224])");
  const at::Tensor image_features =
      require_features(model.file_, image, "encode_image(float [1, 3, 224, 224])", 1, -1);
  model.width_ = image_features.size(1);
  const auto text =
      call_detector(model.file_, "encode_text", {at::zeros({1, kContextLength}, at::kLong)}, {},
                    "encode_text(int64 [1, 77])");
  require_features(model.file_, text, "encode_text(int64 [1, 77])", 1, model.width_);
  return model;
}

at::Tensor ClipModel::image_embeddings(const at::Tensor& frames) {
  at::NoGradGuard no_grad;
  // OpenAI's preprocessing: the mean and std of CLIP's training images, per RGB channel.
  const at::Tensor mean = at::tensor({0.48145466f, 0.4578275f, 0.40821073f}).view({1, 3, 1, 1});
  const at::Tensor std = at::tensor({0.26862954f, 0.26130258f, 0.27577711f}).view({1, 3, 1, 1});
  const at::Tensor resized =
      resize_short_side_and_crop(frames.to(at::kFloat), kImageSize, /*bicubic=*/true);
  const at::Tensor images = ((resized / 255.0).clamp(0, 1) - mean) / std;  // [N, 3, 224, 224]
  const auto output = call_detector(file_, "encode_image", {images.contiguous()}, {},
                                    "encode_image(float [N, 3, 224, 224])");
  return unit_rows(
      require_features(file_, output, "encode_image", frames.size(0), width_).to(at::kDouble));
}

at::Tensor ClipModel::text_embeddings(const at::Tensor& tokens) {
  at::NoGradGuard no_grad;
  const auto output =
      call_detector(file_, "encode_text", {tokens}, {}, "encode_text(int64 [N, 77])");
  return unit_rows(
      require_features(file_, output, "encode_text", tokens.size(0), width_).to(at::kDouble));
}

}  // namespace vdit::eval
