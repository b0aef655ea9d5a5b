#include "worker/worker_loop.h"

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>

#include "core/error.h"

namespace vdit {
namespace {

// Sends a heartbeat every interval until destroyed (RAII: the thread is always joined).
class HeartbeatThread {
 public:
  HeartbeatThread(const control::WorkerChannel& channel, double interval_s,
                  const std::atomic<int64_t>& step)
      : thread_([this, &channel, interval_s, &step] {
          std::unique_lock<std::mutex> lock(mutex_);
          while (!stopping_) {
            if (stop_.wait_for(lock, std::chrono::duration<double>(interval_s),
                               [this] { return stopping_; }))
              break;
            channel.send_heartbeat(step.load());
          }
        }) {}
  ~HeartbeatThread() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    stop_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable stop_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts after the members it uses
};

}  // namespace

int run_worker_loop(WorkerEngine& engine, const control::WorkerChannel& channel,
                    double heartbeat_interval_s, const StopSignals& signals) {
  std::atomic<int64_t> step{0};
  std::unique_ptr<HeartbeatThread> heartbeat;  // needs MPI_THREAD_MULTIPLE; interval 0 = off
  if (heartbeat_interval_s > 0)
    heartbeat = std::make_unique<HeartbeatThread>(channel, heartbeat_interval_s, step);
  while (true) {
    const control::WorkPlan plan = channel.receive_plan();
    if (plan.kind == control::WorkPlan::kStop) return kExitOk;
    step = plan.step.step;
    control::WorkReport report;
    report.worker_rank = channel.worker_rank();
    try {
      if (plan.kind == control::WorkPlan::kRestore) {
        engine.restore(plan.checkpoint_folder);
      } else {
        report = engine.run(plan);
      }
      report.stop_signal = signals.received();
    } catch (const std::exception& error) {
      report = control::WorkReport{};
      report.worker_rank = channel.worker_rank();
      std::snprintf(report.error, sizeof(report.error), "%s", error.what());
      report.error_exit_code =
          dynamic_cast<const InputError*>(&error) != nullptr ? kExitInputError : kExitRuntimeError;
      channel.send_report(report);
      // The coordinator prints the message and ends the job (the other workers may wait in a
      // collective with this one); a second abort from here would race with it.
      channel.wait_for_end();
      return report.error_exit_code;
    }
    channel.send_report(report);
  }
}

}  // namespace vdit
