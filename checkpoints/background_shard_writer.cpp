#include "checkpoints/background_shard_writer.h"

#include <fmt/core.h>

#include <chrono>

#include "core/error.h"

namespace vdit::checkpoints {

BackgroundShardWriter::~BackgroundShardWriter() {
  if (thread_.joinable()) thread_.join();
}

void BackgroundShardWriter::start(int64_t step, std::string partial_folder, ShardFile shard) {
  if (thread_.joinable()) {
    throw RuntimeError(fmt::format(
        "checkpoint step {}: the shard write of step {} has not been collected yet (one save "
        "in flight at a time)",
        step, result_.step));
  }
  done_ = false;
  result_ = ShardWriteResult{};
  result_.step = step;
  thread_ = std::thread([this, folder = std::move(partial_folder), shard = std::move(shard)] {
    const auto started = std::chrono::steady_clock::now();
    try {
      result_.file = write_shard_into(folder, shard);
    } catch (const std::exception& error) {
      result_.error = error.what();
    }
    result_.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    done_ = true;
  });
}

std::optional<ShardWriteResult> BackgroundShardWriter::poll() {
  if (!thread_.joinable() || !done_) return std::nullopt;
  return wait();
}

std::optional<ShardWriteResult> BackgroundShardWriter::wait() {
  if (!thread_.joinable()) return std::nullopt;
  thread_.join();
  return std::move(result_);
}

}  // namespace vdit::checkpoints
