#include "eval/feature_network.h"

#include <ATen/core/grad_mode.h>
#include <fmt/core.h>

#include "core/error.h"
#include "eval/shape_text.h"

namespace vdit::eval {
namespace {

const char* const kRole = "a perceptual feature network";

}  // namespace

FeatureNetwork FeatureNetwork::load(const std::string& path, at::ScalarType dtype) {
  FeatureNetwork network;
  network.file_ = load_detector_file(path, kRole);
  const auto forward = network.file_.module.find_method("forward");
  if (!forward) {
    throw InputError(
        fmt::format("{}: has no method forward, expected {} with forward(x)", path, kRole));
  }
  size_t arguments = 0;
  for (const auto& argument : forward->function().getSchema().arguments()) {
    if (argument.name() == "self") continue;
    ++arguments;
    if (argument.name() == "return_features") network.takes_return_features_ = true;
  }
  if (arguments != 1 && !(arguments == 2 && network.takes_return_features_)) {
    throw InputError(
        fmt::format("{}: forward takes {} arguments, expected forward(x) or "
                    "forward(x, return_features) for {}",
                    path, arguments, kRole));
  }
  network.file_.module.to(dtype);
  for (at::Tensor parameter : network.file_.module.parameters()) {
    parameter.set_requires_grad(false);
  }
  at::NoGradGuard no_grad;
  const at::Tensor probe = network.features(at::zeros({1, 3, 32, 32}, dtype));
  if (probe.dim() < 1 || probe.size(0) != 1 || !probe.is_floating_point()) {
    throw InputError(
        fmt::format("{}: forward([1, 3, 32, 32]) returned {} {}, expected float "
                    "features with one row per frame ({})",
                    path, c10::toString(probe.scalar_type()), shape_text(probe), kRole));
  }
  return network;
}

at::Tensor FeatureNetwork::features(const at::Tensor& frames) {
  torch::jit::Kwargs keywords;
  if (takes_return_features_) keywords.emplace("return_features", true);
  const c10::IValue output =
      call_detector(file_, "forward", {frames}, keywords, "forward(float [N, 3, H, W])");
  if (!output.isTensor()) {
    throw InputError(fmt::format("{}: forward returned a {}, expected a feature tensor ({})",
                                 file_.path, output.tagKind(), kRole));
  }
  return output.toTensor();
}

at::Tensor perceptual_loss(FeatureNetwork& network, const at::Tensor& predicted,
                           const at::Tensor& target) {
  at::Tensor target_features;
  {
    at::NoGradGuard no_grad;  // the true frames are data: no graph through them
    target_features = network.features(target);
  }
  return (network.features(predicted) - target_features).pow(2).mean();
}

}  // namespace vdit::eval
