// Writes one rank's checkpoint shard file on a background thread while training goes on.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>

#include "checkpoints/checkpoint_writer.h"

namespace vdit::checkpoints {

// How one shard write ended: the manifest entry on success, else the error message.
struct ShardWriteResult {
  int64_t step = 0;
  ManifestFile file;  // name, size, CRC-32 (valid when error is empty)
  std::string error;
  double seconds = 0;  // wall time of the write, fsync included
};

// The caller snapshots its tensors to host memory and hands them over with start(); the write
// (write_shard_into: the file, fsync, size and CRC-32) runs on a thread of its own. One write at a
// time: the coordinator commits a save only after every writer reported it, and starts the next
// one after that. Each result is handed out exactly once, by poll() or wait().
class BackgroundShardWriter {
 public:
  BackgroundShardWriter() = default;
  ~BackgroundShardWriter();  // joins the write in flight (its result is dropped)
  BackgroundShardWriter(const BackgroundShardWriter&) = delete;
  BackgroundShardWriter& operator=(const BackgroundShardWriter&) = delete;

  // Starts writing `shard` into `partial_folder` for checkpoint `step`. Throws RuntimeError if a
  // write is still in flight or a result has not been taken yet.
  void start(int64_t step, std::string partial_folder, ShardFile shard);

  // The finished write's result, once; nullopt while it runs or when there is none.
  std::optional<ShardWriteResult> poll();
  // Waits for the write in flight; its result, or nullopt when there was none to hand out.
  std::optional<ShardWriteResult> wait();

 private:
  std::thread thread_;
  std::atomic<bool> done_{false};
  ShardWriteResult result_;  // written by the thread before done_, read after joining it
};

}  // namespace vdit::checkpoints
