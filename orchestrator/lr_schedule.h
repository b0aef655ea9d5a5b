// Learning-rate schedule: linear warmup from 0 to the peak, then cosine decay to min_ratio * peak.
#pragma once

#include <cstdint>

namespace vdit::orchestrator {

struct LrSchedule {
  double peak = 3e-4;
  int64_t warmup_steps = 0;
  int64_t total_steps = 1;  // the cosine reaches its floor here
  double min_ratio = 0.1;

  // The learning rate for optimizer step `step` (0-based).
  double at(int64_t step) const;
};

}  // namespace vdit::orchestrator
