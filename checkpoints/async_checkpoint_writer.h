// Writes checkpoints in a background thread while training continues, one save at a time.
#pragma once

#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "checkpoints/checkpoint_writer.h"

namespace vdit::checkpoints {

// The caller snapshots its tensors to host memory (ShardFile values) and hands them over; the
// write_checkpoint commit then runs on a worker thread. At most one save is in flight: submit()
// first waits for the previous one. A failed save is reported (through `report`, and
// last_error()/wait()) and leaves `latest` naming the previous checkpoint; training goes on.
class AsyncCheckpointWriter {
 public:
  // Receives one line per failed save. Default: prints to stderr.
  using Reporter = std::function<void(const std::string& message)>;

  explicit AsyncCheckpointWriter(Reporter report = {});
  // Waits for the save in flight; never throws (a failure is reported instead).
  ~AsyncCheckpointWriter() noexcept;
  AsyncCheckpointWriter(const AsyncCheckpointWriter&) = delete;
  AsyncCheckpointWriter& operator=(const AsyncCheckpointWriter&) = delete;

  // Waits for the previous save (its failure, if any, was already reported and does not stop
  // this one), then starts writing this snapshot to `root` in the background. If keep_last >= 1,
  // apply_retention(root, keep_last, keep_every) runs after a successful save.
  void submit(std::string root, CheckpointMeta meta, std::vector<ShardFile> shards,
              int64_t keep_last = 0, int64_t keep_every = 0);

  // Joins the save in flight, if any, and rethrows its exception if it failed. Returns at once
  // when nothing is in flight (an earlier failure is thrown only once).
  void wait();

  // The message of the most recently finished save if it failed, nullopt if it succeeded (or
  // none finished yet).
  std::optional<std::string> last_error() const;
  // The folder of the most recent successful save; empty if none.
  std::string last_saved_path() const;

 private:
  void join_quietly() noexcept;

  Reporter report_;
  std::thread worker_;
  mutable std::mutex mutex_;          // guards the fields below, written by the worker
  std::exception_ptr pending_error_;  // not yet rethrown by wait()
  std::optional<std::string> last_error_;
  std::string last_saved_path_;
};

}  // namespace vdit::checkpoints
