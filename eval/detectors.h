// The three detector kinds: a frame network (FID/KID), a clip network (FVD), a CLIP model.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <string>

#include "eval/detector_file.h"
#include "eval/fvd_protocol.h"

namespace vdit::eval {

// Feature widths of the published detector files; fixtures and other networks pass theirs.
inline constexpr int64_t kInceptionWidth = 2048;  // inception-2015-12-05.pt
inline constexpr int64_t kI3dWidth = 400;         // StyleGAN-V's i3d_torchscript.pt

// NVIDIA's FID Inception (StyleGAN2-ADA / clean-fid): forward(x, return_features) on uint8
// [N, 3, H, W] (it resizes internally) -> [N, width]. One vector per frame.
class FrameDetector {
 public:
  // Loads and validates the file before any sampling: signature, then a probe call on a small
  // black batch whose output must be [2, expected_width]. InputError naming the file otherwise.
  static FrameDetector load(const std::string& path, int64_t expected_width = kInceptionWidth);
  // frames uint8 [N, 3, H, W] -> float64 [N, width]
  at::Tensor features(const at::Tensor& frames);
  int64_t width() const { return width_; }
  const DetectorFile& file() const { return file_; }

 private:
  DetectorFile file_;
  int64_t width_ = 0;
};

// StyleGAN-V's I3D: forward(x, rescale, resize, return_features) on clips [B, 3, T, H, W].
class VideoDetector {
 public:
  // As FrameDetector::load, probing with one black clip in the protocol's layout.
  static VideoDetector load(const std::string& path, const FvdProtocol& protocol,
                            int64_t expected_width = kI3dWidth);
  // clips uint8 [B, 3, T, H, W] -> float64 [B, width], prepared as the protocol's preset says.
  at::Tensor features(const at::Tensor& clips);
  int64_t width() const { return width_; }
  const FvdProtocol& protocol() const { return protocol_; }
  const DetectorFile& file() const { return file_; }

 private:
  DetectorFile file_;
  FvdProtocol protocol_;
  int64_t width_ = 0;
};

// An OpenAI CLIP TorchScript file: encode_image([N, 3, 224, 224] normalized) and
// encode_text([N, 77] int64 token ids), both -> [N, E].
class ClipModel {
 public:
  static constexpr int64_t kContextLength = 77;
  static constexpr int64_t kImageSize = 224;
  // Validates both methods with probe calls; their widths must agree.
  static ClipModel load(const std::string& path);
  // frames uint8 [N, 3, H, W] -> unit-length float64 [N, E]: CLIP's preprocessing (bicubic
  // short side to 224, centre crop, /255, CLIP mean/std), then encode_image.
  at::Tensor image_embeddings(const at::Tensor& frames);
  // tokens int64 [N, 77] -> unit-length float64 [N, E]
  at::Tensor text_embeddings(const at::Tensor& tokens);
  int64_t width() const { return width_; }
  const DetectorFile& file() const { return file_; }

 private:
  DetectorFile file_;
  int64_t width_ = 0;
};

}  // namespace vdit::eval
