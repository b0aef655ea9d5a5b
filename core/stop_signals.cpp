#include "core/stop_signals.h"

#include "core/error.h"

namespace vdit {
namespace {

// SIGUSR2 is `vdit submit`'s default warning signal (some NCCL versions catch SIGUSR1).
constexpr int kStopSignals[4] = {SIGUSR1, SIGUSR2, SIGTERM, SIGINT};

// A signal handler can only reach static storage, and only lock-free atomics are safe in it: this
// is the one piece of process-wide state in vdit, owned by the live StopSignals instance.
volatile sig_atomic_t first_signal = 0;

extern "C" void record_stop_signal(int signal) {
  if (first_signal == 0) first_signal = signal;
}

}  // namespace

StopSignals::StopSignals() {
  first_signal = 0;
  struct sigaction action {};
  action.sa_handler = record_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // blocking calls (file I/O, MPI polling sleeps) continue
  for (int i = 0; i < 4; ++i) sigaction(kStopSignals[i], &action, &previous_[i]);
  // `vdit slurm task` starts us with these blocked, so a signal that came during start-up waits
  // for the handler instead of killing the process: take it now.
  sigset_t stop_set;
  sigemptyset(&stop_set);
  for (const int signal : kStopSignals) sigaddset(&stop_set, signal);
  sigprocmask(SIG_UNBLOCK, &stop_set, nullptr);
}

StopSignals::~StopSignals() {
  for (int i = 0; i < 4; ++i) sigaction(kStopSignals[i], &previous_[i], nullptr);
}

int StopSignals::received() const { return first_signal; }

int StopSignals::exit_code_for(int signal) { return signal == SIGINT ? kExitOk : kExitRequeue; }

}  // namespace vdit
