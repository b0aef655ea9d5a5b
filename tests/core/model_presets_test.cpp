#include "core/model_presets.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"

namespace vdit {
namespace {

std::string preset_error(ModelConfig model) {
  try {
    apply_model_preset(model, "run.toml");
  } catch (const InputError& error) {
    return error.what();
  }
  return "";
}

TEST(ApplyModelPreset, FillsOnlyTheSizesLeftAtZero) {
  ModelConfig model;
  model.preset = "vdit-s";
  model.depth = 2;
  apply_model_preset(model, "run.toml");
  EXPECT_EQ(model.depth, 2);
  EXPECT_EQ(model.hidden_size, 384);
  EXPECT_EQ(model.num_heads, 6);
  EXPECT_EQ(model.mlp_ratio, 4.0);
}

// `--set model.depth=-1` used to train the preset's depth without a word.
TEST(ApplyModelPreset, RejectsANegativeSizeNamingTheFieldWhenOneIsGiven) {
  ModelConfig model;
  model.preset = "vdit-tiny";
  model.depth = -1;
  EXPECT_EQ(preset_error(model),
            "run.toml: model.depth: found -1, expected > 0, or 0 for the preset's value");
  model.depth = 0;
  model.hidden_size = -64;
  EXPECT_NE(preset_error(model).find("model.hidden_size: found -64"), std::string::npos);
  model.hidden_size = 0;
  model.num_heads = -4;
  EXPECT_NE(preset_error(model).find("model.num_heads: found -4"), std::string::npos);
  model.num_heads = 0;
  model.mlp_ratio = -0.5;
  EXPECT_NE(preset_error(model).find("model.mlp_ratio: found -0.5"), std::string::npos);
  model.mlp_ratio = std::nan("");
  EXPECT_NE(preset_error(model).find("model.mlp_ratio: found nan"), std::string::npos);
}

}  // namespace
}  // namespace vdit
