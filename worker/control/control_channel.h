// The control plane over MPI_COMM_WORLD: the coordinator (rank 0) sends plans and collects reports
// with a heartbeat watchdog; a worker receives plans and sends reports and heartbeats.
#pragma once

#include <stdexcept>
#include <string>

#include <mpi.h>

#include <chrono>
#include <vector>

#include "worker/control/control_messages.h"

namespace vdit::control {

// A worker's failure as the coordinator received it: what() names the worker ("worker 1 (world
// rank 2): <its message>"); exit_code() is the worker's (kExitInputError or kExitRuntimeError).
class WorkerFailure : public std::runtime_error {
 public:
  WorkerFailure(const std::string& what, int exit_code)
      : std::runtime_error(what), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// Coordinator side. Workers are world ranks 1..workers.
class CoordinatorChannel {
 public:
  // Without heartbeats (MPI below MPI_THREAD_MULTIPLE, so workers have no thread to send them), a
  // long step is indistinguishable from a stalled one: reports are then awaited without a time
  // limit, so a healthy step of any length is never cut short (a dead worker still ends the job
  // through the launcher).
  CoordinatorChannel(MPI_Comm world, int workers, double heartbeat_timeout_s,
                     bool workers_send_heartbeats);

  // Sends `plan` to every worker; a worker that does not take it within heartbeat_timeout_s
  // throws vdit::RuntimeError naming its rank.
  void send_plan(const WorkPlan& plan);

  // One report from every worker. While waiting, heartbeats count as signs of life; with
  // heartbeats, a worker that sends neither for heartbeat_timeout_s throws vdit::RuntimeError naming its rank. A
  // report carrying an error throws it as a WorkerFailure.
  std::vector<WorkReport> collect_reports();

 private:
  void drain_heartbeats();

  MPI_Comm world_;
  int workers_;
  double timeout_s_;
  bool heartbeats_;
  std::vector<std::chrono::steady_clock::time_point> last_seen_;  // per worker rank
};

// Worker side.
class WorkerChannel {
 public:
  WorkerChannel(MPI_Comm world, int32_t worker_rank, double heartbeat_timeout_s);

  // Blocks until the next plan; a coordinator silent for heartbeat_timeout_s * 4 (plans come
  // once per step) throws RuntimeError.
  WorkPlan receive_plan() const;
  void send_report(const WorkReport& report) const;
  void send_heartbeat(int64_t step) const;
  // After reporting a failure: waits for the coordinator to end the job (it aborts it, or sends a
  // stop plan); returns when the plan wait times out instead.
  void wait_for_end() const;
  int32_t worker_rank() const { return worker_rank_; }

 private:
  MPI_Comm world_;
  int32_t worker_rank_;
  double timeout_s_;
};

}  // namespace vdit::control
