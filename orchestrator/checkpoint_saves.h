// The coordinator's side of a checkpoint save spread over the workers: opens the partial folder,
// gathers each writer's shard as reports come in (the same step or later ones, when the writes run
// in the background), then commits the checkpoint, or aborts it and keeps the previous `latest`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "checkpoints/checkpoint_writer.h"
#include "worker/control/control_messages.h"

namespace vdit::orchestrator {

class CheckpointSaves {
 public:
  // `writers`: the shard files a complete checkpoint has (one per tensor-parallel rank).
  CheckpointSaves(std::string root, int64_t writers, int64_t keep_last, int64_t keep_every);

  // A save whose shards are not all reported yet.
  bool in_flight() const { return pending_.has_value(); }
  int64_t last_committed_step() const { return last_committed_step_; }

  // Opens <root>/step_N.partial for the state after `step` and returns it (to put in the plan).
  // Throws RuntimeError if a save is in flight (flush it first).
  std::string begin(int64_t step);
  // The coordinator's record for the save in flight (its state once the step has run); needed
  // before absorb() can commit it.
  void describe(checkpoints::CheckpointMeta meta);

  // Takes the shard writes the reports announce; once every writer has reported, commits the
  // checkpoint (manifest, rename, `latest`, retention) or, if a write failed, removes the partial
  // folder and says so: training goes on and `latest` keeps naming the previous checkpoint.
  void absorb(const std::vector<control::WorkReport>& reports);

 private:
  struct Pending {
    int64_t step = 0;
    std::optional<checkpoints::CheckpointMeta> meta;
    std::vector<checkpoints::ManifestFile> files;
    std::vector<std::string> errors;
    double blocked_seconds = 0;  // the longest any rank's training was held up
    double write_seconds = 0;    // the slowest shard write
  };
  void finish();

  std::string root_;
  int64_t writers_;
  int64_t keep_last_, keep_every_;
  std::optional<Pending> pending_;
  int64_t last_committed_step_ = -1;
};

}  // namespace vdit::orchestrator
