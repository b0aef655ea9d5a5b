#include "orchestrator/checkpoint_saves.h"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include "core/error.h"
#include "core/log.h"

namespace vdit::orchestrator {

CheckpointSaves::CheckpointSaves(std::string root, int64_t writers, int64_t keep_last,
                                 int64_t keep_every)
    : root_(std::move(root)), writers_(writers), keep_last_(keep_last), keep_every_(keep_every) {}

std::string CheckpointSaves::begin(int64_t step) {
  if (pending_) {
    throw RuntimeError(fmt::format("checkpoint step {}: the save of step {} is still in flight",
                                   step, pending_->step));
  }
  const std::string partial = checkpoints::begin_checkpoint(root_, step);
  pending_ = Pending{step, std::nullopt, {}, {}, 0, 0};
  return partial;
}

void CheckpointSaves::describe(checkpoints::CheckpointMeta meta) {
  if (!pending_ || meta.step != pending_->step) {
    throw RuntimeError(fmt::format("checkpoint: no save of step {} is in flight", meta.step));
  }
  pending_->meta = std::move(meta);
}

void CheckpointSaves::absorb(const std::vector<control::WorkReport>& reports) {
  if (!pending_) return;
  for (const control::WorkReport& report : reports) {
    pending_->blocked_seconds = std::max(pending_->blocked_seconds, report.save_blocked_seconds);
    if (report.saved_step < 0) continue;
    if (report.saved_step != pending_->step) {
      throw RuntimeError(fmt::format(
          "checkpoint: worker {} reported a shard of step {} while step {} is being saved",
          report.worker_rank, report.saved_step, pending_->step));
    }
    pending_->write_seconds = std::max(pending_->write_seconds, report.save_write_seconds);
    if (report.save_error[0] != '\0') {
      pending_->errors.push_back(
          fmt::format("worker {}: {}", report.worker_rank, report.save_error));
    } else {
      pending_->files.push_back({report.saved_file, report.saved_size, report.saved_crc32});
    }
  }
  const auto reported = static_cast<int64_t>(pending_->files.size() + pending_->errors.size());
  if (reported >= writers_ && pending_->meta) finish();
}

void CheckpointSaves::finish() {
  Pending save = std::move(*pending_);
  pending_.reset();
  const std::string previous =
      last_committed_step_ >= 0 ? fmt::format("step {}", last_committed_step_) : "the previous one";
  if (!save.errors.empty()) {
    checkpoints::abort_checkpoint(root_, save.step);
    log_error("checkpoint: step {} NOT saved ({}); `latest` still names {}", save.step,
              fmt::join(save.errors, "; "), previous);
    return;
  }
  int64_t bytes = 0;
  for (const auto& file : save.files) bytes += file.size;
  try {
    checkpoints::commit_checkpoint(root_, *save.meta, save.files);
  } catch (const RuntimeError& error) {
    checkpoints::abort_checkpoint(root_, save.step);
    log_error("checkpoint: step {} NOT saved ({}); `latest` still names {}", save.step,
              error.what(), previous);
    return;
  }
  const checkpoints::RetentionReport retention =
      checkpoints::apply_retention(root_, keep_last_, keep_every_);
  for (const std::string& moved : retention.moved_aside) {
    log_info("checkpoint: retention: {}", moved);
  }
  last_committed_step_ = save.step;
  const double megabytes = static_cast<double>(bytes) / 1e6;
  log_info(
      "checkpoint: step {} saved ({} files, {:.1f} MB written in {:.2f} s = {:.0f} MB/s; "
      "training held up {:.0f} ms)",
      save.step, save.files.size(), megabytes, save.write_seconds,
      save.write_seconds > 0 ? megabytes / save.write_seconds : 0.0, 1000 * save.blocked_seconds);
}

}  // namespace vdit::orchestrator
