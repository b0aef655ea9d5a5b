// The typed messages between the coordinator (world rank 0) and the workers: a plan per step down,
// a report per step and heartbeats up. Plain structs of fixed size, sent as bytes over MPI.
#pragma once

#include <cstdint>

#include "worker/training/trainer.h"

namespace vdit::control {

// MPI tags of the control plane (MPI_COMM_WORLD); the data plane uses the workers' own
// communicators.
enum Tag : int { kTagPlan = 101, kTagReport = 102, kTagHeartbeat = 103 };

// Coordinator -> every worker, before each step.
struct WorkPlan {
  // kRestore: load the checkpoint in `checkpoint_folder` (before the first step of a resumed run)
  // and report (with an error, if the load failed).
  // kSave: no step, only start this rank's shard write for `checkpoint_step`.
  // kFlush: no step, wait for the shard write in flight and report it.
  enum Kind : int32_t { kStep = 1, kStop = 2, kRestore = 3, kSave = 4, kFlush = 5 };
  Kind kind = kStep;
  training::StepPlan step;
  int64_t samples_consumed = 0;  // the stage's data position at the start of this step
  // kStep with a non-empty folder, and kSave: snapshot the state (after the step) and start
  // writing this rank's shard, if it is a writer, into this partial checkpoint folder: in the
  // background when checkpoint.async, else before reporting. kRestore: the folder to load.
  char checkpoint_folder[1024] = {};
  int64_t checkpoint_step = 0;  // the step the saved state is after
};

// Worker -> coordinator, after each step.
struct WorkReport {
  int32_t worker_rank = 0;
  training::StepReport step;
  double data_wait_seconds = 0;
  int64_t bucket[3] = {0, 0, 0};  // T, H, W of the step's global batch
  int64_t tokens_per_sample = 0;  // whole sample, for FLOP counting
  int64_t peak_memory_bytes = -1;  // this worker's peak (worker/peak_memory.h); -1: unknown
  double device_peak_flops = 0;    // this worker's device peak for MFU (worker/device_peak.h)
  // A shard write that ended since the last report (at most one is in flight): the checkpoint
  // step it belongs to (-1: none), then its file name, size and CRC-32, or its error.
  int64_t saved_step = -1;
  char saved_file[256] = {};
  int64_t saved_size = 0;
  uint32_t saved_crc32 = 0;
  char save_error[512] = {};
  double save_write_seconds = 0;
  // Seconds a save started by this plan held training up: the host snapshot, plus the write
  // when checkpoint.async is off.
  double save_blocked_seconds = 0;
  char error[512] = {};     // non-empty: the worker failed with this message and stops
  int32_t error_exit_code = 0;  // with an error: kExitInputError or kExitRuntimeError
  int32_t stop_signal = 0;  // a stop signal this worker received (SIGUSR1/SIGTERM/SIGINT), or 0
};

// Worker -> coordinator every heartbeat interval, from a background thread.
struct Heartbeat {
  int32_t worker_rank = 0;
  int64_t step = 0;
};

}  // namespace vdit::control
