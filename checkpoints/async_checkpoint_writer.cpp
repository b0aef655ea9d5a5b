#include "checkpoints/async_checkpoint_writer.h"

#include <fmt/core.h>

#include <cstdio>

namespace vdit::checkpoints {

AsyncCheckpointWriter::AsyncCheckpointWriter(Reporter report) : report_(std::move(report)) {
  if (!report_) {
    report_ = [](const std::string& message) { std::fprintf(stderr, "%s\n", message.c_str()); };
  }
}

AsyncCheckpointWriter::~AsyncCheckpointWriter() noexcept { join_quietly(); }

void AsyncCheckpointWriter::join_quietly() noexcept {
  if (worker_.joinable()) worker_.join();
}

void AsyncCheckpointWriter::submit(std::string root, CheckpointMeta meta,
                                   std::vector<ShardFile> shards, int64_t keep_last,
                                   int64_t keep_every) {
  join_quietly();
  {
    // The previous failure was reported when it happened; a new save supersedes it.
    std::lock_guard<std::mutex> lock(mutex_);
    pending_error_ = nullptr;
  }
  worker_ = std::thread([this, root = std::move(root), meta = std::move(meta),
                         shards = std::move(shards), keep_last, keep_every]() mutable {
    try {
      const std::string path = write_checkpoint(root, meta, shards);
      shards.clear();  // free the host snapshot before retention walks the disk
      if (keep_last >= 1) apply_retention(root, keep_last, keep_every);
      std::lock_guard<std::mutex> lock(mutex_);
      last_saved_path_ = path;
      last_error_.reset();
    } catch (const std::exception& error) {
      const std::string message = fmt::format(
          "checkpoint save of step {} under {} failed, `latest` still names the previous "
          "checkpoint: {}",
          meta.step, root, error.what());
      {
        std::lock_guard<std::mutex> lock(mutex_);
        pending_error_ = std::current_exception();
        last_error_ = message;
      }
      try {
        report_(message);
      } catch (...) {
        // A reporter that throws must not terminate the process from a worker thread.
      }
    }
  });
}

void AsyncCheckpointWriter::wait() {
  join_quietly();
  std::exception_ptr error;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    std::swap(error, pending_error_);
  }
  if (error) std::rethrow_exception(error);
}

std::optional<std::string> AsyncCheckpointWriter::last_error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return last_error_;
}

std::string AsyncCheckpointWriter::last_saved_path() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return last_saved_path_;
}

}  // namespace vdit::checkpoints
