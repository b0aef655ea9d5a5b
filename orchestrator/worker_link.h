// How the coordinator reaches its workers: in the same process (`vdit train` without a launcher)
// or over MPI (world ranks 1..N). The coordinator's loop is the same code for both.
#pragma once

#include <string>
#include <vector>

#include "worker/control/control_channel.h"
#include "worker/control/control_messages.h"
#include "worker/worker_engine.h"

namespace vdit::orchestrator {

class WorkerLink {
 public:
  virtual ~WorkerLink() = default;
  virtual int workers() const = 0;
  // Every worker loads this checkpoint folder.
  virtual void restore(const std::string& checkpoint_folder) = 0;
  // Runs a kStep or kSave plan on every worker; one report per worker, in worker-rank order.
  virtual std::vector<control::WorkReport> run(const control::WorkPlan& plan) = 0;
  virtual void stop() = 0;
};

class InProcessWorkerLink : public WorkerLink {
 public:
  explicit InProcessWorkerLink(WorkerEngine& engine) : engine_(engine) {}
  int workers() const override { return 1; }
  void restore(const std::string& checkpoint_folder) override {
    engine_.restore(checkpoint_folder);
  }
  std::vector<control::WorkReport> run(const control::WorkPlan& plan) override {
    return {engine_.run(plan)};
  }
  void stop() override {}

 private:
  WorkerEngine& engine_;
};

class MpiWorkerLink : public WorkerLink {
 public:
  MpiWorkerLink(MPI_Comm world, int workers, double heartbeat_timeout_s,
                bool workers_send_heartbeats)
      : workers_(workers),
        channel_(world, workers, heartbeat_timeout_s, workers_send_heartbeats) {}
  int workers() const override { return workers_; }
  void restore(const std::string& checkpoint_folder) override;
  std::vector<control::WorkReport> run(const control::WorkPlan& plan) override;
  void stop() override;

 private:
  int workers_;
  control::CoordinatorChannel channel_;
};

}  // namespace vdit::orchestrator
