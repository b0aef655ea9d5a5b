// The coordinator's curriculum state machine: which stage, which step, how many samples consumed,
// and when to advance (after N steps, or when the smoothed loss plateaus, capped at N steps).
// No LibTorch: it is pure bookkeeping the coordinator owns and checkpoints.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config.h"

namespace vdit::orchestrator {

// Everything needed to continue a run exactly: saved in checkpoints by the coordinator.
struct CurriculumPosition {
  int64_t stage = 0;             // index into the stage list
  int64_t step = 0;              // global optimizer steps done
  int64_t stage_step = 0;        // steps done in this stage
  int64_t samples_consumed = 0;  // samples of this stage's data stream consumed
  // Plateau tracker of this stage.
  double smoothed_loss = 0;
  double best_loss = 0;
  int64_t steps_since_best = 0;
};

class Curriculum {
 public:
  // The run's stages (resolve_and_validate gives a config without stages one stage "all").
  explicit Curriculum(const RunConfig& config);

  const std::vector<StageConfig>& stages() const { return stages_; }
  const StageConfig& stage() const { return stages_.at(position_.stage); }
  // The stage's activation checkpointing: recompute every k-th block (0 = none), parsed once.
  int64_t checkpoint_every() const { return checkpoint_every_.at(position_.stage); }
  const CurriculumPosition& position() const { return position_; }
  void restore(const CurriculumPosition& position) { position_ = position; }
  bool finished() const { return position_.stage >= static_cast<int64_t>(stages_.size()); }

  // Upper bound of the run's optimizer steps (every stage at its cap): the LR schedule's length.
  int64_t max_total_steps() const;

  // Records a finished step with its loss. Returns true if the run moved to the next stage (or
  // finished); the new stage starts with samples_consumed = 0 and a fresh plateau tracker.
  bool record_step(double loss);

  // Why the last stage change happened ("steps" or "plateau"), for the log.
  const std::string& last_advance_reason() const { return last_advance_reason_; }

 private:
  bool should_advance();

  std::vector<StageConfig> stages_;
  std::vector<int64_t> checkpoint_every_;  // per stage
  CurriculumPosition position_;
  std::string last_advance_reason_;
};

// Smoothing of the plateau tracker: smoothed = (1 - a) smoothed + a loss.
constexpr double kPlateauSmoothing = 0.1;

}  // namespace vdit::orchestrator
