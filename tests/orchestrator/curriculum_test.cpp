#include "orchestrator/curriculum.h"

#include <gtest/gtest.h>

#include "core/config_io.h"
#include "core/config_validate.h"
#include "core/error.h"
#include "orchestrator/run_state.h"

namespace vdit::orchestrator {
namespace {

RunConfig config_with_stages(const std::string& stages) {
  RunConfig config = parse_run_config(stages, "test.toml", {"training.global_batch=4"});
  resolve_and_validate(config);
  return config;
}

TEST(Curriculum, AdvancesThroughStagesInOrderAfterTheirSteps) {
  Curriculum curriculum(
      config_with_stages("[[curriculum.stages]]\nname='a'\nsteps=2\n[[curriculum.stages]]\nname='b'"
                         "\nsteps=3\nglobal_batch=2\n"));
  std::vector<std::string> seen;
  while (!curriculum.finished()) {
    seen.push_back(curriculum.stage().name);
    curriculum.record_step(1.0);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "a", "b", "b", "b"}));
  EXPECT_EQ(curriculum.position().step, 5);
  EXPECT_EQ(curriculum.max_total_steps(), 5);
}

TEST(Curriculum, CountsSamplesPerStageAndResetsThemOnAdvance) {
  Curriculum curriculum(config_with_stages(
      "[[curriculum.stages]]\nsteps=2\n[[curriculum.stages]]\nsteps=5\nglobal_batch=2\n"));
  curriculum.record_step(1.0);
  EXPECT_EQ(curriculum.position().samples_consumed, 4);
  EXPECT_TRUE(curriculum.record_step(1.0));
  EXPECT_EQ(curriculum.position().samples_consumed, 0);
  curriculum.record_step(1.0);
  EXPECT_EQ(curriculum.position().samples_consumed, 2);
}

TEST(Curriculum, AdvancesEarlyWhenTheLossPlateaus) {
  Curriculum curriculum(
      config_with_stages("[[curriculum.stages]]\nsteps=100\nadvance='plateau'\nmin_steps="
                         "5\npatience=3\nmin_delta=0.01\n"
                         "[[curriculum.stages]]\nsteps=1\n"));
  int steps = 0;
  while (curriculum.position().stage == 0) {
    curriculum.record_step(1.0);  // flat loss: no improvement after the first step
    ++steps;
  }
  EXPECT_EQ(curriculum.last_advance_reason(), "plateau");
  EXPECT_EQ(steps, 5);  // patience (3) reached at step 4, but min_steps holds it to 5
}

TEST(Curriculum, KeepsGoingWhileTheLossImproves) {
  Curriculum curriculum(config_with_stages(
      "[[curriculum.stages]]\nsteps=30\nadvance='plateau'\npatience=3\nmin_delta=0.001\n"));
  double loss = 1.0;
  int steps = 0;
  while (!curriculum.finished()) {
    curriculum.record_step(loss);
    loss *= 0.8;
    ++steps;
  }
  EXPECT_EQ(steps, 30);
  EXPECT_EQ(curriculum.last_advance_reason(), "steps");
}

TEST(Curriculum, UsesOneStageOfTrainingStepsWithoutStages) {
  RunConfig config = parse_run_config("", "test.toml", {"training.steps=3"});
  resolve_and_validate(config);
  Curriculum curriculum(config);
  ASSERT_EQ(curriculum.stages().size(), 1u);
  EXPECT_EQ(curriculum.stage().steps, 3);
}

TEST(RunState, RoundTripsThePosition) {
  CurriculumPosition position{2, 40, 7, 56, 0.25, 0.2, 3};
  const auto again = parse_run_state(run_state_json(position, 2, 1, 2), "manifest.json");
  EXPECT_EQ(again.stage, 2);
  EXPECT_EQ(again.step, 40);
  EXPECT_EQ(again.stage_step, 7);
  EXPECT_EQ(again.samples_consumed, 56);
  EXPECT_DOUBLE_EQ(again.smoothed_loss, 0.25);
  EXPECT_EQ(again.steps_since_best, 3);
  EXPECT_THROW(parse_run_state("{\"stage\": 1}", "manifest.json"), InputError);
}

}  // namespace
}  // namespace vdit::orchestrator
