#include "orchestrator/stop_rules.h"

#include <fmt/core.h>

#include "core/error.h"
#include "core/log.h"

namespace vdit::orchestrator {

StopRules::StopRules(const TrainingConfig& training, const StopSignals& signals, int64_t first_step)
    : training_(training), signals_(signals), first_step_(first_step) {}

bool StopRules::planned_stop_at(int64_t next) const {
  return training_.stop_after_steps > 0 && next - first_step_ >= training_.stop_after_steps;
}

void StopRules::check(const std::vector<control::WorkReport>& reports,
                      const Curriculum& curriculum) {
  const int64_t step = curriculum.position().step;
  const double minutes =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count() / 60.0;
  if (training_.max_minutes > 0 && minutes >= training_.max_minutes) {
    log_info("training.max_minutes = {} reached at step {}: saving and stopping",
             training_.max_minutes, step);
    stop_requested_ = true;
  }
  int received = signals_.received();
  for (const auto& report : reports) received = received != 0 ? received : report.stop_signal;
  if (received != 0 && !curriculum.finished()) {
    // A signal after the last step interrupts nothing: the run ends finished, exit code 0.
    stop_signal_ = received;
    log_warn("signal {} received: stopping at step {} with a checkpoint (exit code {})",
             stop_signal_, step, StopSignals::exit_code_for(stop_signal_));
    stop_requested_ = true;
  }
  if (planned_stop_at(step) && !curriculum.finished()) {
    log_info("training.stop_after_steps = {} reached at step {}: the same command resumes",
             training_.stop_after_steps, step);
    stop_requested_ = true;
  }
}

int StopRules::exit_code() const {
  return stop_signal_ != 0 ? StopSignals::exit_code_for(stop_signal_) : kExitOk;
}

}  // namespace vdit::orchestrator
