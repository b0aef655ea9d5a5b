// A worker process of an MPI run: receive a plan, run it, report; a background thread sends
// heartbeats so the coordinator can tell a long step from a dead or stalled worker.
#pragma once

#include "core/stop_signals.h"
#include "worker/control/control_channel.h"
#include "worker/worker_engine.h"

namespace vdit {

// Runs until a stop plan and returns kExitOk. heartbeat_interval_s = 0 turns heartbeats off (MPI
// without MPI_THREAD_MULTIPLE): then only step reports show a worker is alive. A failure in a plan
// (restore, step, save) is reported to the coordinator, which prints it once with this worker's
// rank and ends the job; the worker then waits for that end and returns the failure's exit code
// only if it never comes. A stop signal received by this process is passed on in the next report;
// the coordinator decides the step boundary and sends the save and the stop.
int run_worker_loop(WorkerEngine& engine, const control::WorkerChannel& channel,
                    double heartbeat_interval_s, const StopSignals& signals);

}  // namespace vdit
