// The control plane over MPI_COMM_WORLD: the coordinator (rank 0) sends plans and collects reports
// with a heartbeat watchdog; a worker receives plans and sends reports and heartbeats.
#pragma once

#include <mpi.h>

#include <chrono>
#include <vector>

#include "worker/control/control_messages.h"

namespace vdit::control {

// Coordinator side. Workers are world ranks 1..workers.
class CoordinatorChannel {
 public:
  CoordinatorChannel(MPI_Comm world, int workers, double heartbeat_timeout_s);

  // Sends `plan` to every worker; a worker that does not take it within heartbeat_timeout_s
  // throws vdit::RuntimeError naming its rank.
  void send_plan(const WorkPlan& plan);

  // One report from every worker. While waiting, heartbeats count as signs of life; a worker
  // that sends neither for heartbeat_timeout_s throws vdit::RuntimeError naming its rank. A
  // report carrying an error throws it (naming the rank).
  std::vector<WorkReport> collect_reports();

 private:
  void drain_heartbeats();

  MPI_Comm world_;
  int workers_;
  double timeout_s_;
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

 private:
  MPI_Comm world_;
  int32_t worker_rank_;
  double timeout_s_;
};

}  // namespace vdit::control
