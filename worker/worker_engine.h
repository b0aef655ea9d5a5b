// One worker's side of a run, whatever carries the plans: builds the trainer and this rank's data
// loader, runs a planned step, switches loaders at stage boundaries, snapshots the state and
// writes its checkpoint shard (in the background when checkpoint.async).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checkpoints/background_shard_writer.h"
#include "checkpoints/shard_layout.h"
#include "core/config.h"
#include "data/loader.h"
#include "worker/control/control_messages.h"
#include "worker/training/trainer.h"

namespace vdit {

class WorkerEngine {
 public:
  // `config` validated, with its curriculum stages resolved; `shards` the run's shard files;
  // `device` this worker's, from select_worker_device (worker/worker_device.h).
  WorkerEngine(const RunConfig& config, std::vector<std::string> shards, torch::Device device,
               training::TrainerParallel parallel, data::DataRank data_rank, int32_t worker_rank);

  // Loads a checkpoint folder written by any mesh (every worker calls it).
  void restore(const std::string& checkpoint_folder);

  // Runs a kStep plan (then starts a save if it names a folder), a kSave or a kFlush plan. The
  // report carries a shard write that ended since the last one. Exceptions are the caller's (the
  // worker loop turns them into an error report).
  control::WorkReport run(const control::WorkPlan& plan);

  training::Trainer& trainer() { return trainer_; }

 private:
  void ensure_loader(int64_t stage, int64_t samples_consumed);
  // Snapshots this rank's state and, on a writer, starts writing it into the plan's folder (and
  // waits for the write unless checkpoint.async).
  void start_save(const control::WorkPlan& plan, control::WorkReport& report);
  // Copies a finished shard write into the report and keeps its buffers for the next snapshot.
  void collect(std::optional<checkpoints::ShardWriteResult> result, control::WorkReport& report);

  const RunConfig& config_;
  std::vector<std::string> shards_;
  torch::Device device_;
  double device_peak_flops_;  // datasheet or measured once at start-up
  training::Trainer trainer_;
  data::DataRank data_rank_;
  int32_t worker_rank_;
  bool writes_weights_;  // dp 0 and sp 0: model and EMA pieces (and its optimizer state)
  // This rank's file in every checkpoint (checkpoints/shard_layout.h); none: it writes nothing.
  std::optional<std::string> shard_file_;
  checkpoints::BackgroundShardWriter shard_writer_;
  // The last snapshot's host buffers, reused by the next one (one state copy stays allocated).
  std::vector<checkpoints::TensorRecord> staging_;
  std::unique_ptr<data::StreamingLoader> loader_;
  int64_t loader_stage_ = -1;
  int64_t expected_samples_consumed_ = -1;
};

}  // namespace vdit
