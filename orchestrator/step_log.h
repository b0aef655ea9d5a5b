// What the coordinator records of the steps it runs: every training.log_every steps and at each
// stage change, one line in metrics.jsonl, TensorBoard scalars and the console line; MFU against
// the workers' device peaks and memory as the largest worker peak, as the workers report them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config.h"
#include "orchestrator/curriculum.h"
#include "orchestrator/metrics_log.h"
#include "orchestrator/run_directory.h"
#include "orchestrator/tensorboard_writer.h"
#include "worker/control/control_messages.h"
#include "worker/model/video_dit.h"

namespace vdit::orchestrator {

class StepLog {
 public:
  StepLog(const RunConfig& config, const RunDirectory& run, int64_t stage_count);

  // A resumed run: what an earlier attempt logged after `step` is superseded from here on.
  void mark_resume(int64_t step, const std::string& checkpoint);
  // The step that started at `before` (in `stage`, at learning rate `lr`) and took `wall`
  // seconds; `stage_changed`: the curriculum moved on after it (always logged).
  void record(const std::vector<control::WorkReport>& reports, const CurriculumPosition& before,
              const StageConfig& stage, double lr, double wall, bool stage_changed);

 private:
  int64_t log_every_;
  int64_t stage_count_;
  model::VideoDiTOptions model_options_;
  MetricsLog metrics_;
  TensorBoardWriter tensorboard_;
};

}  // namespace vdit::orchestrator
