#include "eval/latent_autoencoder.h"

#include <ATen/core/grad_mode.h>
#include <fmt/core.h>

#include <cmath>

#include "core/error.h"
#include "eval/shape_text.h"

namespace vdit::eval {
namespace {

const char* const kRole = "a video autoencoder with encode(x) and decode(z)";

// One tensor of rank 5 with `channels` channels (any when < 0), or an InputError naming the call.
at::Tensor require_video(const DetectorFile& file, const c10::IValue& output,
                         const std::string& call, int64_t batch, int64_t channels) {
  if (!output.isTensor()) {
    throw InputError(fmt::format("{}: {} returned a {}, expected a tensor [B, C, T, H, W] ({})",
                                 file.path, call, output.tagKind(), kRole));
  }
  const at::Tensor video = output.toTensor();
  if (video.dim() != 5 || video.size(0) != batch || !video.is_floating_point() ||
      (channels >= 0 && video.size(1) != channels) || video.numel() == 0) {
    throw InputError(
        fmt::format("{}: {} returned {} {}, expected a float tensor [{}, {}, T, H, W] ({})",
                    file.path, call, c10::toString(video.scalar_type()), shape_text(video), batch,
                    channels >= 0 ? std::to_string(channels) : std::string("C"), kRole));
  }
  return video;
}

}  // namespace

LatentAutoencoder LatentAutoencoder::load(const std::string& path) {
  LatentAutoencoder autoencoder;
  autoencoder.file_ = load_detector_file(path, kRole);
  require_signature(autoencoder.file_, "encode", {});
  require_signature(autoencoder.file_, "decode", {});
  const torch::jit::Module& module = autoencoder.file_.module;
  if (module.hasattr("scaling_factor")) {
    const c10::IValue factor = module.attr("scaling_factor");
    const auto refuse = [&](const std::string& found) {
      return InputError(fmt::format(
          "{}: attribute scaling_factor is {}, expected a positive number (the factor latents "
          "are multiplied by)",
          path, found));
    };
    if (!factor.isDouble() && !factor.isInt()) throw refuse(factor.tagKind());
    const double value =
        factor.isDouble() ? factor.toDouble() : static_cast<double>(factor.toInt());
    if (!(value > 0) || !std::isfinite(value)) throw refuse(fmt::format("{}", value));
    autoencoder.scaling_factor_ = value;
  }
  return autoencoder;
}

int64_t LatentAutoencoder::channels() const {
  if (probed_.empty()) {
    throw RuntimeError(
        fmt::format("{}: latent channels asked before any clip size was probed", file_.path));
  }
  return probed_.begin()->second.second;
}

data::BucketShape LatentAutoencoder::latent_shape(const data::BucketShape& pixels) const {
  const auto found = probed_.find(pixels);
  if (found != probed_.end()) return found->second.first;
  at::NoGradGuard no_grad;
  const std::string call =
      fmt::format("encode(zeros [1, 3, {}, {}, {}])", pixels.frames, pixels.height, pixels.width);
  const at::Tensor latents = require_video(
      file_,
      call_detector(file_, "encode",
                    {at::zeros({1, 3, pixels.frames, pixels.height, pixels.width})}, {}, call),
      call, 1, -1);
  const int64_t latent_channels = latents.size(1);
  if (!probed_.empty() && latent_channels != channels()) {
    throw InputError(fmt::format("{}: {} has {} channels, but a clip of {} had {}", file_.path,
                                 call, latent_channels, probed_.begin()->first.name(), channels()));
  }
  const data::BucketShape shape{latents.size(2), latents.size(3), latents.size(4)};
  probed_.emplace(pixels, std::make_pair(shape, latent_channels));
  return shape;
}

std::vector<float> LatentAutoencoder::encode(const std::vector<uint8_t>& rgb,
                                             const data::BucketShape& pixels) const {
  const data::BucketShape latent = latent_shape(pixels);
  const int64_t values = pixels.frames * pixels.height * pixels.width * 3;
  if (static_cast<int64_t>(rgb.size()) != values) {
    throw RuntimeError(fmt::format("{}: encode got {} bytes for a clip {} (expected {})",
                                   file_.path, rgb.size(), pixels.name(), values));
  }
  at::NoGradGuard no_grad;
  const at::Tensor clip =
      at::from_blob(const_cast<uint8_t*>(rgb.data()),
                    {1, pixels.frames, pixels.height, pixels.width, 3}, at::kByte)
          .to(at::kFloat)
          .div(127.5)
          .sub(1.0)
          .permute({0, 4, 1, 2, 3})
          .contiguous();  // (1, 3, T, H, W) in [-1, 1]
  const std::string call =
      fmt::format("encode([1, 3, {}, {}, {}])", pixels.frames, pixels.height, pixels.width);
  const at::Tensor latents =
      require_video(file_, call_detector(file_, "encode", {clip}, {}, call), call, 1, channels());
  if (latents.size(2) != latent.frames || latents.size(3) != latent.height ||
      latents.size(4) != latent.width) {
    throw InputError(fmt::format("{}: {} returned {}, but zeros of that size encoded to {}",
                                 file_.path, call, shape_text(latents), latent.name()));
  }
  const at::Tensor scaled = (latents.to(at::kFloat) * scaling_factor_)
                                .squeeze(0)
                                .permute({1, 2, 3, 0})
                                .contiguous();  // (T', H', W', C)
  return std::vector<float>(scaled.data_ptr<float>(), scaled.data_ptr<float>() + scaled.numel());
}

at::Tensor LatentAutoencoder::decode(const at::Tensor& latents,
                                     const data::BucketShape& pixels) const {
  at::NoGradGuard no_grad;
  const std::string call = fmt::format("decode({})", shape_text(latents));
  const at::Tensor video = require_video(
      file_, call_detector(file_, "decode", {(latents / scaling_factor_).contiguous()}, {}, call),
      call, latents.size(0), 3);
  if (video.size(2) != pixels.frames || video.size(3) != pixels.height ||
      video.size(4) != pixels.width) {
    throw InputError(
        fmt::format("{}: {} returned {}, expected [{}, 3, {}, {}, {}] (the size "
                    "encode took)",
                    file_.path, call, shape_text(video), latents.size(0), pixels.frames,
                    pixels.height, pixels.width));
  }
  return video.to(at::kFloat);
}

}  // namespace vdit::eval
