// Snapshots and writes one rank's checkpoint shard on a background thread while training goes on.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "checkpoints/checkpoint_writer.h"

namespace vdit::checkpoints {

// How one shard write ended: the manifest entry on success, else the error message.
struct ShardWriteResult {
  int64_t step = 0;
  ManifestFile file;  // name, size, CRC-32 (valid when error is empty)
  std::string error;
  double snapshot_seconds = 0;  // the stager: copying the state to host records
  double seconds = 0;           // the write after it: file, fsync, CRC-32
  // The tensors written, handed back so the next snapshot can reuse their buffers.
  std::vector<TensorRecord> tensors;
};

// The thread first runs the caller's stager (it copies the training state to host records, while
// the training thread goes on with the next forward and backward), then writes the shard
// (write_shard_into: the file, fsync, size and CRC-32). Before the training thread changes the
// state again it calls wait_staged(). One write at a time: the coordinator commits a save only
// after every writer reported it, and starts the next one after that. Each result is handed out
// exactly once, by poll() or wait().
class BackgroundShardWriter {
 public:
  using Stager = std::function<std::vector<TensorRecord>()>;

  BackgroundShardWriter() = default;
  ~BackgroundShardWriter();  // joins the write in flight (its result is dropped)
  BackgroundShardWriter(const BackgroundShardWriter&) = delete;
  BackgroundShardWriter& operator=(const BackgroundShardWriter&) = delete;

  // Starts snapshotting (stage) and writing file `file_name` into `partial_folder` for checkpoint
  // `step`. Throws RuntimeError if a write is in flight or its result has not been taken yet.
  void start(int64_t step, std::string partial_folder, std::string file_name, Stager stage);

  // Blocks until the stager of the write in flight has returned (at once if there is none).
  void wait_staged();
  // The finished write's result, once; nullopt while it runs or when there is none.
  std::optional<ShardWriteResult> poll();
  // Waits for the write in flight; its result, or nullopt when there was none to hand out.
  std::optional<ShardWriteResult> wait();

 private:
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool staged_ = true;       // guarded by mutex_
  bool done_ = false;        // guarded by mutex_
  ShardWriteResult result_;  // written by the thread before done_, read after joining it
};

}  // namespace vdit::checkpoints
