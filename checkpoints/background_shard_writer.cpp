#include "checkpoints/background_shard_writer.h"

#include <fmt/core.h>

#include <chrono>

#include "core/error.h"

namespace vdit::checkpoints {

BackgroundShardWriter::~BackgroundShardWriter() {
  if (thread_.joinable()) thread_.join();
}

void BackgroundShardWriter::start(int64_t step, std::string partial_folder, std::string file_name,
                                  Stager stage) {
  if (thread_.joinable()) {
    throw RuntimeError(fmt::format(
        "checkpoint step {}: the shard write of step {} has not been collected yet (one save "
        "in flight at a time)",
        step, result_.step));
  }
  staged_ = false;
  done_ = false;
  result_ = ShardWriteResult{};
  result_.step = step;
  thread_ = std::thread([this, folder = std::move(partial_folder), name = std::move(file_name),
                         stage = std::move(stage)] {
    const auto started = std::chrono::steady_clock::now();
    ShardFile shard{name, {}};
    auto mark = [this](bool& flag) {
      std::lock_guard<std::mutex> lock(mutex_);
      flag = true;
      changed_.notify_all();
    };
    auto seconds_since = [](std::chrono::steady_clock::time_point start) {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    try {
      shard.tensors = stage();
      result_.snapshot_seconds = seconds_since(started);
      mark(staged_);
      const auto writing = std::chrono::steady_clock::now();
      result_.file = write_shard_into(folder, shard);
      result_.seconds = seconds_since(writing);
    } catch (const std::exception& error) {
      result_.error = error.what();
    }
    result_.tensors = std::move(shard.tensors);
    mark(staged_);  // also when the stager threw
    mark(done_);
  });
}

void BackgroundShardWriter::wait_staged() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return staged_; });
}

std::optional<ShardWriteResult> BackgroundShardWriter::poll() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!thread_.joinable() || !done_) return std::nullopt;
  }
  return wait();
}

std::optional<ShardWriteResult> BackgroundShardWriter::wait() {
  if (!thread_.joinable()) return std::nullopt;
  thread_.join();
  return std::move(result_);
}

}  // namespace vdit::checkpoints
