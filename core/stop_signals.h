// SIGUSR1 / SIGUSR2 / SIGTERM (Slurm's time-limit warning and preemption) and SIGINT as a polite
// request: finish the current step, save, stop.
#pragma once

#include <signal.h>

namespace vdit {

// Installs handlers for SIGUSR1, SIGUSR2, SIGTERM and SIGINT for its lifetime (the previous handlers are
// restored by the destructor). One instance per process at a time.
class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // The first signal received (SIGUSR1, SIGUSR2, SIGTERM or SIGINT), or 0.
  int received() const;

  // Process exit code after a stop on `signal`: SIGINT -> 0 (the user asked), SIGUSR1/SIGUSR2/
  // SIGTERM -> kExitRequeue (the job should be requeued and will resume).
  static int exit_code_for(int signal);

 private:
  struct sigaction previous_[4];
};

}  // namespace vdit
