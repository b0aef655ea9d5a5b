// One worker's side of a run, whatever carries the plans: builds the trainer and this rank's data
// loader, runs a planned step, switches loaders at stage boundaries, writes its checkpoint shard.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "data/loader.h"
#include "worker/control/control_messages.h"
#include "worker/training/trainer.h"

namespace vdit {

class WorkerEngine {
 public:
  // `config` validated, with its curriculum stages resolved; `shards` the run's shard files.
  // `writes_checkpoint`: this rank writes the checkpoint shard (one rank per save: the records
  // are whole tensors gathered over tp, identical on every tp rank).
  WorkerEngine(const RunConfig& config, std::vector<std::string> shards,
               training::TrainerParallel parallel, data::DataRank data_rank, int32_t worker_rank,
               bool writes_checkpoint);

  // Loads a checkpoint folder written by any mesh (every worker calls it).
  void restore(const std::string& checkpoint_folder);

  // Runs a kStep plan (then saves if it names a folder) or a kSave plan. Exceptions are the
  // caller's (the worker loop turns them into an error report).
  control::WorkReport run(const control::WorkPlan& plan);

  training::Trainer& trainer() { return trainer_; }

 private:
  void ensure_loader(int64_t stage, int64_t samples_consumed);
  // Collective over tp: gathers whole tensors; the writer rank writes them into `folder`.
  void write_checkpoint_shard(const char* folder, control::WorkReport& report);

  const RunConfig& config_;
  std::vector<std::string> shards_;
  training::Trainer trainer_;
  data::DataRank data_rank_;
  int32_t worker_rank_;
  bool writes_checkpoint_;
  std::unique_ptr<data::StreamingLoader> loader_;
  int64_t loader_stage_ = -1;
  int64_t expected_samples_consumed_ = -1;
};

}  // namespace vdit
