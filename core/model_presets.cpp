// Preset table: widths/depths/heads follow the reference DiT sizes; vdit-tiny is for demos/tests.
#include "core/model_presets.h"

#include <fmt/core.h>

#include "core/error.h"

namespace vdit {

const std::vector<ModelPreset>& model_presets() {
  static const std::vector<ModelPreset> presets = {
      {"vdit-tiny", 64, 4, 4, 4.0},    // seconds per step on a laptop CPU
      {"vdit-s", 384, 12, 6, 4.0},     // DiT-S
      {"vdit-b", 768, 12, 12, 4.0},    // DiT-B
      {"vdit-l", 1024, 24, 16, 4.0},   // DiT-L
      {"vdit-xl", 1152, 28, 16, 4.0},  // DiT-XL
  };
  return presets;
}

namespace {

// 0 (the default) means "the preset's value"; a negative size is a typo, not a request for the
// preset, and used to train the preset's size without a word.
void reject_negative_size(double value, const char* field, const std::string& source) {
  if (value >= 0) return;  // so NaN is refused too
  throw InputError(fmt::format("{}: {}: found {}, expected > 0, or 0 for the preset's value",
                               source, field, value));
}

}  // namespace

void apply_model_preset(ModelConfig& model, const std::string& source) {
  reject_negative_size(static_cast<double>(model.hidden_size), "model.hidden_size", source);
  reject_negative_size(static_cast<double>(model.depth), "model.depth", source);
  reject_negative_size(static_cast<double>(model.num_heads), "model.num_heads", source);
  reject_negative_size(model.mlp_ratio, "model.mlp_ratio", source);
  for (const ModelPreset& preset : model_presets()) {
    if (model.preset != preset.name) continue;
    if (model.hidden_size <= 0) model.hidden_size = preset.hidden_size;
    if (model.depth <= 0) model.depth = preset.depth;
    if (model.num_heads <= 0) model.num_heads = preset.num_heads;
    if (model.mlp_ratio <= 0) model.mlp_ratio = preset.mlp_ratio;
    return;
  }
  std::string names;
  for (const ModelPreset& preset : model_presets())
    names += (names.empty() ? "" : ", ") + std::string(preset.name);
  throw InputError(fmt::format("{}: model.preset: unknown preset \"{}\" (expected one of {})",
                               source, model.preset, names));
}

}  // namespace vdit
