#include "orchestrator/worker_link.h"

#include <cstdio>

namespace vdit::orchestrator {

void MpiWorkerLink::restore(const std::string& checkpoint_folder) {
  control::WorkPlan plan;
  plan.kind = control::WorkPlan::kRestore;
  std::snprintf(plan.checkpoint_folder, sizeof(plan.checkpoint_folder), "%s",
                checkpoint_folder.c_str());
  channel_.send_plan(plan);
  channel_.collect_reports();  // a worker that could not load it fails here, by its rank
}

std::vector<control::WorkReport> MpiWorkerLink::run(const control::WorkPlan& plan) {
  channel_.send_plan(plan);
  return channel_.collect_reports();
}

void MpiWorkerLink::stop() {
  control::WorkPlan plan;
  plan.kind = control::WorkPlan::kStop;
  channel_.send_plan(plan);
}

}  // namespace vdit::orchestrator
