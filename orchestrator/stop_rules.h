// When a run ends before its curriculum does, in one place: training.stop_after_steps (a planned
// stop, its step carries a save), training.max_minutes, and a stop signal (Slurm's warning,
// preemption, Ctrl-C) on the coordinator or on any worker. Each stop says why on the console.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "core/config.h"
#include "core/stop_signals.h"
#include "orchestrator/curriculum.h"
#include "worker/control/control_messages.h"

namespace vdit::orchestrator {

class StopRules {
 public:
  // `first_step`: the step this invocation started (resumed) at.
  StopRules(const TrainingConfig& training, const StopSignals& signals, int64_t first_step);

  // Whether the step that ends at `next` steps is stop_after_steps' last one (it then saves).
  bool planned_stop_at(int64_t next) const;
  // After a step: checks every rule and prints why the run stops, if it does.
  void check(const std::vector<control::WorkReport>& reports, const Curriculum& curriculum);

  bool stop_requested() const { return stop_requested_; }
  // The process exit code: kExitRequeue after a requeue signal, kExitOk otherwise.
  int exit_code() const;

 private:
  const TrainingConfig& training_;
  const StopSignals& signals_;
  int64_t first_step_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  bool stop_requested_ = false;
  int stop_signal_ = 0;  // a signal that stopped unfinished work, else 0
};

}  // namespace vdit::orchestrator
