#include "orchestrator/curriculum.h"

#include <fmt/core.h>

#include "core/config_validate.h"

namespace vdit::orchestrator {

Curriculum::Curriculum(const RunConfig& config) : stages_(config.curriculum.stages) {
  for (size_t i = 0; i < stages_.size(); ++i) {
    checkpoint_every_.push_back(vdit::checkpoint_every(
        stages_[i].activation_checkpointing,
        fmt::format("curriculum.stages[{}].activation_checkpointing", i), config.source));
  }
}

int64_t Curriculum::max_total_steps() const {
  int64_t total = 0;
  for (const auto& stage : stages_) total += stage.steps;
  return total;
}

bool Curriculum::should_advance() {
  const StageConfig& current = stage();
  if (position_.stage_step >= current.steps) {
    last_advance_reason_ = "steps";
    return true;
  }
  if (current.advance == "plateau" && position_.stage_step >= current.min_steps &&
      position_.steps_since_best >= current.patience) {
    last_advance_reason_ = "plateau";
    return true;
  }
  return false;
}

bool Curriculum::record_step(double loss) {
  position_.step += 1;
  position_.stage_step += 1;
  position_.samples_consumed += stage().global_batch;
  if (position_.stage_step == 1) {
    position_.smoothed_loss = loss;
    position_.best_loss = loss;
    position_.steps_since_best = 0;
  } else {
    position_.smoothed_loss =
        (1 - kPlateauSmoothing) * position_.smoothed_loss + kPlateauSmoothing * loss;
    if (position_.best_loss - position_.smoothed_loss > stage().min_delta) {
      position_.best_loss = position_.smoothed_loss;
      position_.steps_since_best = 0;
    } else {
      position_.steps_since_best += 1;
    }
  }
  if (!should_advance()) return false;
  position_.stage += 1;
  position_.stage_step = 0;
  position_.samples_consumed = 0;
  position_.smoothed_loss = position_.best_loss = 0;
  position_.steps_since_best = 0;
  return true;
}

}  // namespace vdit::orchestrator
