// FVD conventions as named presets: how clips are cut from videos and fed to the I3D detector.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <string>

#include "data/rgb_video.h"

namespace vdit::eval {

// Published FVDs disagree by convention, so the preset is recorded with every number.
//   stylegan-v: 0..255 clips [B, 3, T, H, W] passed with rescale=True, resize=True (the I3D file
//               scales to [-1, 1] and resizes to 224 itself), StyleGAN-V's fvd2048_16f.
//   videogpt:   each frame resized bilinearly so its short side is 224, centre-cropped to
//               224 x 224 and scaled to [-1, 1] here; the detector's own rescale/resize off.
enum class FvdPreset { kStyleganV, kVideoGpt };

struct FvdProtocol {
  FvdPreset preset = FvdPreset::kStyleganV;
  int64_t frames = 16;  // frames per clip
  int64_t stride = 1;   // clip = frames 0, stride, 2 stride, ... of each video
  // "stylegan-v, 16 frames, stride 1": what the number was measured with.
  std::string describe() const;
};

std::string to_string(FvdPreset preset);
// "stylegan-v" or "videogpt"; InputError naming `where` and both choices otherwise.
FvdPreset parse_fvd_preset(const std::string& text, const std::string& where);

// The clip of `video` the protocol takes, uint8 [3, T, H, W]. InputError naming `what` when the
// video is shorter than (frames - 1) * stride + 1.
at::Tensor cut_clip(const data::RgbVideo& video, const FvdProtocol& protocol,
                    const std::string& what);

// clips: uint8 [B, 3, T, H, W] -> the detector input of the preset, float32 [B, 3, T, H', W'].
at::Tensor prepare_clips(const at::Tensor& clips, FvdPreset preset);

// Frames of a video as a tensor, uint8 [T, 3, H, W].
at::Tensor frames_tensor(const data::RgbVideo& video);

// frames [N, C, H, W] float: resized (interpolation "bilinear" or "bicubic", no antialiasing) so
// the short side is `size` (the long side int(size * long / short), as torchvision), then
// centre-cropped to size x size.
at::Tensor resize_short_side_and_crop(const at::Tensor& frames, int64_t size, bool bicubic);

}  // namespace vdit::eval
