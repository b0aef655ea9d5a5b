#include "core/config_validate.h"

#include <gtest/gtest.h>

#include "core/config_io.h"
#include "core/error.h"

namespace vdit {
namespace {

std::string validation_error(const std::vector<std::string>& overrides,
                             const std::string& text = "") {
  RunConfig config = parse_run_config(text, "run.toml", overrides);
  try {
    resolve_and_validate(config);
  } catch (const InputError& error) {
    return error.what();
  }
  return "";
}

TEST(ResolveAndValidate, AcceptsDefaults) { EXPECT_EQ(validation_error({}), ""); }

TEST(ResolveAndValidate, FillsSizesFromPreset) {
  RunConfig config = parse_run_config("", "run.toml", {"model.preset=vdit-s"});
  resolve_and_validate(config);
  EXPECT_EQ(config.model.hidden_size, 384);
  EXPECT_EQ(config.model.depth, 12);
  EXPECT_EQ(config.model.num_heads, 6);
}

TEST(ResolveAndValidate, RejectsAPerceptualStageWithoutAFeatureNetwork) {
  const std::string stages =
      "curriculum.stages=[{name=\"hd\", frames_max=8, steps=5, perceptual_weight=0.2}]";
  EXPECT_NE(validation_error({stages}).find(
                "perceptual_weight: found 0.2, expected 0 unless curriculum.perceptual_network "
                "names a TorchScript feature network file"),
            std::string::npos)
      << validation_error({stages});
  EXPECT_EQ(validation_error({stages, "curriculum.perceptual_network=features.pt"}), "");
}

TEST(ResolveAndValidate, NamesUnknownPresetAndTheKnownOnes) {
  const std::string message = validation_error({"model.preset=vdit-huge"});
  EXPECT_NE(message.find("model.preset: unknown preset \"vdit-huge\""), std::string::npos)
      << message;
  EXPECT_NE(message.find("vdit-xl"), std::string::npos) << message;
}

TEST(ResolveAndValidate, NamesFieldFoundAndExpected) {
  EXPECT_EQ(validation_error({"training.global_batch=0"}),
            "run.toml: training.global_batch: found 0, expected > 0");
  EXPECT_EQ(validation_error({"diffusion.prediction=x0"}),
            "run.toml: diffusion.prediction: found \"x0\", expected \"epsilon\" or \"v\"");
  EXPECT_EQ(validation_error({"diffusion.timestep_shift=0"}),
            "run.toml: diffusion.timestep_shift: found 0, expected > 0");
  EXPECT_NE(validation_error({"model.hidden_size=66", "model.num_heads=4"})
                .find("a multiple of model.num_heads (4)"),
            std::string::npos);
}

TEST(ResolveAndValidate, RejectsBf16OnTheCpuInsteadOfComputingInFp32) {
  EXPECT_EQ(validation_error({"training.precision=bf16"}),
            "run.toml: training.precision: found \"bf16\" with training.device = \"cpu\", "
            "expected \"fp32\" (bf16 autocast runs on CUDA only: set training.device = "
            "\"cuda\")");
  EXPECT_EQ(validation_error({"training.precision=bf16", "training.device=cuda"}), "");
}

TEST(ResolveAndValidate, RejectsBadCheckpointingMode) {
  EXPECT_NE(validation_error({"training.activation_checkpointing=every:0"})
                .find("training.activation_checkpointing: found \"every:0\""),
            std::string::npos);
  EXPECT_EQ(checkpoint_every("every:3", "f", "s"), 3);
  EXPECT_EQ(checkpoint_every("full", "f", "s"), 1);
  EXPECT_EQ(checkpoint_every("none", "f", "s"), 0);
}

TEST(ResolveAndValidate, ChecksStagesAndFillsTheirDefaults) {
  EXPECT_NE(validation_error({}, "[[curriculum.stages]]\nsteps = 5\nresolutions = [\"64\"]\n")
                .find("curriculum.stages.0.resolutions: found \"64\", expected \"HxW\""),
            std::string::npos);
  RunConfig config = parse_run_config("[[curriculum.stages]]\nsteps = 5\n", "run.toml",
                                      {"training.global_batch=6"});
  resolve_and_validate(config);
  EXPECT_EQ(config.curriculum.stages[0].name, "stage1");
  EXPECT_EQ(config.curriculum.stages[0].global_batch, 6);
}

}  // namespace
}  // namespace vdit
