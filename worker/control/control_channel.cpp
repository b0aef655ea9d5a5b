// Polling with MPI_Iprobe keeps every wait bounded: nothing here can block forever on a dead peer.
#include "worker/control/control_channel.h"

#include <fmt/core.h>

#include <thread>

#include "core/error.h"
#include "parallel/mpi_check.h"

namespace vdit::control {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPollInterval = std::chrono::milliseconds(1);

template <class Message>
void send(const Message& message, int destination, int tag, MPI_Comm world) {
  MPI_CHECK(MPI_Send(&message, sizeof(Message), MPI_BYTE, destination, tag, world));
}

template <class Message>
Message receive(int source, int tag, MPI_Comm world) {
  Message message;
  MPI_CHECK(MPI_Recv(&message, sizeof(Message), MPI_BYTE, source, tag, world, MPI_STATUS_IGNORE));
  return message;
}

bool has_message(int source, int tag, MPI_Comm world, MPI_Status* status = MPI_STATUS_IGNORE) {
  int flag = 0;
  MPI_CHECK(MPI_Iprobe(source, tag, world, &flag, status));
  return flag != 0;
}

}  // namespace

CoordinatorChannel::CoordinatorChannel(MPI_Comm world, int workers, double heartbeat_timeout_s,
                                       bool workers_send_heartbeats)
    : world_(world),
      workers_(workers),
      timeout_s_(heartbeat_timeout_s),
      heartbeats_(workers_send_heartbeats),
      last_seen_(workers, Clock::now()) {}

void CoordinatorChannel::send_plan(const WorkPlan& plan) {
  // Non-blocking sends, completed within the heartbeat timeout: a blocking send to a stalled
  // worker whose receive queue is full would never return.
  std::vector<MPI_Request> requests(workers_, MPI_REQUEST_NULL);
  for (int worker = 0; worker < workers_; ++worker) {
    MPI_CHECK(MPI_Isend(&plan, sizeof(WorkPlan), MPI_BYTE, worker + 1, kTagPlan, world_,
                        &requests[worker]));
  }
  const auto start = Clock::now();
  while (true) {
    drain_heartbeats();
    int done = 0;
    MPI_CHECK(MPI_Testall(workers_, requests.data(), &done, MPI_STATUSES_IGNORE));
    if (done) return;
    const double waited = std::chrono::duration<double>(Clock::now() - start).count();
    if (waited > timeout_s_) {
      for (int worker = 0; worker < workers_; ++worker) {
        int sent = 0;
        MPI_CHECK(MPI_Test(&requests[worker], &sent, MPI_STATUS_IGNORE));
        if (!sent) {
          throw RuntimeError(
              fmt::format("worker {} (world rank {}) did not take its plan for {:.1f} s "
                          "(parallel.heartbeat_timeout_s = {}): "
                          "it died or stalled; ending the job",
                          worker, worker + 1, waited, timeout_s_));
        }
      }
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

void CoordinatorChannel::drain_heartbeats() {
  MPI_Status status;
  while (has_message(MPI_ANY_SOURCE, kTagHeartbeat, world_, &status)) {
    receive<Heartbeat>(status.MPI_SOURCE, kTagHeartbeat, world_);
    last_seen_[status.MPI_SOURCE - 1] = Clock::now();
  }
}

std::vector<WorkReport> CoordinatorChannel::collect_reports() {
  std::vector<WorkReport> reports(workers_);
  std::vector<bool> received(workers_, false);
  int remaining = workers_;
  while (remaining > 0) {
    drain_heartbeats();
    MPI_Status status;
    if (has_message(MPI_ANY_SOURCE, kTagReport, world_, &status)) {
      const int worker = status.MPI_SOURCE - 1;
      reports[worker] = receive<WorkReport>(status.MPI_SOURCE, kTagReport, world_);
      last_seen_[worker] = Clock::now();
      if (reports[worker].error[0] != '\0') {
        throw WorkerFailure(fmt::format("worker {} (world rank {}): {}", worker, worker + 1,
                                        reports[worker].error),
                            reports[worker].error_exit_code);
      }
      if (!received[worker]) --remaining;
      received[worker] = true;
      continue;
    }
    const auto now = Clock::now();
    for (int worker = 0; worker < workers_; ++worker) {
      const double silent = std::chrono::duration<double>(now - last_seen_[worker]).count();
      if (heartbeats_ && !received[worker] && silent > timeout_s_) {
        throw RuntimeError(
            fmt::format("worker {} (world rank {}) sent no report or heartbeat for {:.1f} s "
                        "(parallel.heartbeat_timeout_s = {}): "
                        "it died or stalled; ending the job",
                        worker, worker + 1, silent, timeout_s_));
      }
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  return reports;
}

WorkerChannel::WorkerChannel(MPI_Comm world, int32_t worker_rank, double heartbeat_timeout_s)
    : world_(world), worker_rank_(worker_rank), timeout_s_(heartbeat_timeout_s) {}

WorkPlan WorkerChannel::receive_plan() const {
  const auto deadline = Clock::now() + std::chrono::duration<double>(4 * timeout_s_);
  while (!has_message(0, kTagPlan, world_)) {
    if (Clock::now() > deadline) {
      throw RuntimeError(fmt::format("worker {}: the coordinator sent no plan for {:.0f} s; ending",
                                     worker_rank_, 4 * timeout_s_));
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  return receive<WorkPlan>(0, kTagPlan, world_);
}

void WorkerChannel::send_report(const WorkReport& report) const {
  send(report, 0, kTagReport, world_);
}

void WorkerChannel::wait_for_end() const {
  try {
    while (receive_plan().kind != WorkPlan::kStop) {
    }
  } catch (const RuntimeError&) {
    // The coordinator sent nothing within the plan timeout; the caller ends this process.
  }
}

void WorkerChannel::send_heartbeat(int64_t step) const {
  Heartbeat heartbeat;
  heartbeat.worker_rank = worker_rank_;
  heartbeat.step = step;
  send(heartbeat, 0, kTagHeartbeat, world_);
}

}  // namespace vdit::control
