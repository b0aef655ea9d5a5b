// Named model sizes, DiT-style (vdit-tiny ... vdit-xl), and filling a ModelConfig from its preset.
#pragma once

#include <string>
#include <vector>

#include "core/config.h"

namespace vdit {

struct ModelPreset {
  const char* name;
  int64_t hidden_size;
  int64_t depth;
  int64_t num_heads;
  double mlp_ratio;
};

// All presets, smallest first. The larger ones match DiT-S/B/XL widths and depths.
const std::vector<ModelPreset>& model_presets();

// Fills hidden_size, depth, num_heads and mlp_ratio that are 0 from model.preset. Throws
// InputError naming the field when one of them is negative (or a NaN mlp_ratio), and naming
// model.preset and the known names when the preset is unknown.
void apply_model_preset(ModelConfig& model, const std::string& source);

}  // namespace vdit
