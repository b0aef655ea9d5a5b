#include "core/config_io.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace vdit {
namespace {

std::string error_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
  try {
    parse_run_config(text, "run.toml", overrides);
  } catch (const InputError& error) {
    return error.what();
  }
  return "";
}

TEST(ParseRunConfig, UsesDefaultsWhenFileIsEmpty) {
  const RunConfig config = parse_run_config("", "run.toml");
  EXPECT_EQ(config.model.preset, "vdit-tiny");
  EXPECT_EQ(config.diffusion.timesteps, 1000);
  EXPECT_DOUBLE_EQ(config.diffusion.beta_start, 1e-4);
  EXPECT_TRUE(config.curriculum.stages.empty());
}

TEST(ParseRunConfig, ReadsSectionsAndStages) {
  const RunConfig config = parse_run_config(R"(
[model]
depth = 6
[optimizer]
lr = 1
[[curriculum.stages]]
name = "images"
steps = 10
resolutions = ["32x32", "64x64"]
[[curriculum.stages]]
name = "clips"
frames_max = 8
)",
                                            "run.toml");
  EXPECT_EQ(config.model.depth, 6);
  EXPECT_DOUBLE_EQ(config.optimizer.lr, 1.0);  // integers are accepted where numbers are expected
  ASSERT_EQ(config.curriculum.stages.size(), 2u);
  EXPECT_EQ(config.curriculum.stages[0].resolutions[1], "64x64");
  EXPECT_EQ(config.curriculum.stages[1].frames_max, 8);
}

TEST(ParseRunConfig, RejectsUnknownKeyNamingItAndTheKnownOnes) {
  const std::string message = error_of("[model]\ndpeth = 3\n");
  EXPECT_NE(message.find("run.toml"), std::string::npos) << message;
  EXPECT_NE(message.find("unknown key 'model.dpeth'"), std::string::npos) << message;
  EXPECT_NE(message.find("depth"), std::string::npos) << message;
}

TEST(ParseRunConfig, RejectsUnknownSection) {
  EXPECT_NE(error_of("[modle]\n").find("unknown key 'modle'"), std::string::npos);
}

TEST(ParseRunConfig, RejectsWrongTypeNamingFieldFoundAndExpected) {
  const std::string message = error_of("[training]\nsteps = \"many\"\n");
  EXPECT_NE(message.find("training.steps: expected an integer, found string \"many\""),
            std::string::npos)
      << message;
}

TEST(ParseRunConfig, ReportsSyntaxErrorWithLine) {
  const std::string message = error_of("[model]\ndepth = = 3\n");
  EXPECT_NE(message.find("run.toml:2:"), std::string::npos) << message;
}

TEST(ParseRunConfig, AppliesOverridesBeforeValidation) {
  const RunConfig config =
      parse_run_config("[[curriculum.stages]]\nsteps = 3\n", "run.toml",
                       {"model.depth=7", "model.preset=vdit-s", "curriculum.stages.0.steps=9",
                        "data.shards=[\"a.h5\"]"});
  EXPECT_EQ(config.model.depth, 7);
  EXPECT_EQ(config.model.preset, "vdit-s");
  EXPECT_EQ(config.curriculum.stages[0].steps, 9);
  EXPECT_EQ(config.data.shards, std::vector<std::string>{"a.h5"});
}

TEST(ParseRunConfig, RejectsOverrideOfUnknownKey) {
  EXPECT_NE(error_of("", {"model.dept=3"}).find("unknown key 'model.dept'"), std::string::npos);
  EXPECT_NE(error_of("", {"nonsense"}).find("expected section.key=value"), std::string::npos);
}

// `--set curriculum.stages.x.steps=3` used to escape as std::stoul's bare "stoul" (exit 1).
TEST(ParseRunConfig, RejectsNonNumericArrayIndexNamingTheKeyWhenOverriding) {
  const std::string stages = "[[curriculum.stages]]\nsteps = 3\n[[curriculum.stages]]\n";
  const std::string message = error_of(stages, {"curriculum.stages.x.steps=3"});
  EXPECT_NE(message.find("--set curriculum.stages.x.steps"), std::string::npos) << message;
  EXPECT_NE(message.find("'curriculum.stages' is an array of 2 entries"), std::string::npos)
      << message;
  EXPECT_NE(message.find("expected an index 0..1, found 'x'"), std::string::npos) << message;
  EXPECT_NE(error_of(stages, {"curriculum.stages.1x.steps=3"}).find("found '1x'"),
            std::string::npos);
  EXPECT_NE(error_of(stages, {"curriculum.stages.-1.steps=3"}).find("found '-1'"),
            std::string::npos);
  EXPECT_NE(error_of(stages, {"curriculum.stages.2.steps=3"}).find("found '2'"), std::string::npos);
}

TEST(ParseRunConfig, RejectsOverrideKeyWithAnEmptyPart) {
  for (const char* key : {"model..depth=3", ".depth=3", "model.=3"}) {
    EXPECT_NE(error_of("", {key}).find("has an empty part"), std::string::npos) << key;
  }
}

TEST(ParseRunConfig, RejectsOverrideThroughAValueThatIsNotATable) {
  const std::string message = error_of("[model]\ndepth = 2\n", {"model.depth.x=3"});
  EXPECT_NE(message.find("'model.depth' is integer 2, not a table"), std::string::npos) << message;
}

TEST(ToToml, RoundTripsEveryField) {
  RunConfig config =
      parse_run_config("[[curriculum.stages]]\nname = \"a\"\nresolutions = [\"8x8\"]\n", "run.toml",
                       {"diffusion.guidance_scale=2.5", "training.seed=42"});
  const RunConfig again = parse_run_config(to_toml(config), "resolved.toml");
  EXPECT_EQ(to_toml(again), to_toml(config));
  EXPECT_DOUBLE_EQ(again.diffusion.guidance_scale, 2.5);
  EXPECT_EQ(again.training.seed, 42);
  EXPECT_EQ(again.curriculum.stages[0].resolutions[0], "8x8");
}

}  // namespace
}  // namespace vdit
