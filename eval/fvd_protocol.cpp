#include "eval/fvd_protocol.h"

#include <fmt/core.h>

#include <cmath>
#include <vector>

#include "core/error.h"

namespace vdit::eval {

std::string to_string(FvdPreset preset) {
  return preset == FvdPreset::kStyleganV ? "stylegan-v" : "videogpt";
}

FvdPreset parse_fvd_preset(const std::string& text, const std::string& where) {
  if (text == "stylegan-v") return FvdPreset::kStyleganV;
  if (text == "videogpt") return FvdPreset::kVideoGpt;
  throw InputError(
      fmt::format("{}: found \"{}\", expected \"stylegan-v\" or \"videogpt\"", where, text));
}

std::string FvdProtocol::describe() const {
  return fmt::format("{}, {} frames, stride {}", to_string(preset), frames, stride);
}

at::Tensor frames_tensor(const data::RgbVideo& video) {
  data::validate_rgb_video(video, "video");
  return at::from_blob(const_cast<uint8_t*>(video.pixels.data()),
                       {video.frames, video.height, video.width, 3}, at::kByte)
      .permute({0, 3, 1, 2})
      .contiguous();  // [T, 3, H, W], a copy: the video may go away
}

at::Tensor cut_clip(const data::RgbVideo& video, const FvdProtocol& protocol,
                    const std::string& what) {
  const int64_t needed = (protocol.frames - 1) * protocol.stride + 1;
  if (video.frames < needed) {
    throw InputError(fmt::format(
        "{}: {} frames, expected at least {} for FVD clips of {} frames "
        "at stride {} ({})",
        what, video.frames, needed, protocol.frames, protocol.stride, protocol.describe()));
  }
  const at::Tensor frames = frames_tensor(video);  // [T, 3, H, W]
  return frames.slice(0, 0, needed, protocol.stride).permute({1, 0, 2, 3}).contiguous();
}

at::Tensor resize_short_side_and_crop(const at::Tensor& frames, int64_t size, bool bicubic) {
  const int64_t height = frames.size(2);
  const int64_t width = frames.size(3);
  const int64_t short_side = std::min(height, width);
  const int64_t long_side = std::max(height, width);
  const auto scaled_long = static_cast<int64_t>(static_cast<double>(size) * long_side / short_side);
  const int64_t new_height = height <= width ? size : scaled_long;
  const int64_t new_width = height <= width ? scaled_long : size;
  const std::vector<int64_t> output_size = {new_height, new_width};
  const at::Tensor resized =
      bicubic ? at::upsample_bicubic2d(frames, at::IntArrayRef(output_size), false)
              : at::upsample_bilinear2d(frames, at::IntArrayRef(output_size), false);
  // torchvision's CenterCrop: offsets rounded to the nearest pixel.
  const auto top = static_cast<int64_t>(std::round((new_height - size) / 2.0));
  const auto left = static_cast<int64_t>(std::round((new_width - size) / 2.0));
  return resized.slice(2, top, top + size).slice(3, left, left + size);
}

at::Tensor prepare_clips(const at::Tensor& clips, FvdPreset preset) {
  const at::Tensor x = clips.to(at::kFloat);  // [B, 3, T, H, W] in 0..255
  if (preset == FvdPreset::kStyleganV) return x;
  const int64_t batch = x.size(0);
  const int64_t frames = x.size(2);
  // Frames as images: [B * T, 3, H, W], resized and cropped, then back to clips.
  const at::Tensor images =
      x.permute({0, 2, 1, 3, 4}).reshape({batch * frames, 3, x.size(3), x.size(4)});
  const at::Tensor resized = resize_short_side_and_crop(images, 224, false) / 127.5 - 1.0;
  return resized.reshape({batch, frames, 3, 224, 224}).permute({0, 2, 1, 3, 4}).contiguous();
}

}  // namespace vdit::eval
