// Checkpoint saves: how long training is held up by a background save vs a synchronous save of
// the same state, and the shard write's MB/s vs `dd ... conv=fsync` of the same size.
//   vdit_bench_checkpoint_save [preset=vdit-s] [repeats=3] [folder=/tmp/vdit-ckpt-bench]
// A training step here is forward + backward of the preset on 2 x 256 tokens, then the AdamW and
// EMA update. Synchronous: training waits for snapshot + write + fsync. Background: the snapshot
// runs on the writer thread during the next step's forward and backward and the update waits for
// it (as the worker does); blocked = the time the training thread waits (start + that wait).
// The step's slowdown is reported too: on a CPU-only box the writer thread also takes CPU time
// from the step (on a GPU the step runs on the device and only the blocked time counts).
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "checkpoints/background_shard_writer.h"
#include "core/config_io.h"
#include "core/config_validate.h"
#include "worker/training/training_state.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;
using vdit::checkpoints::TensorRecord;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// `dd` of `megabytes` MiB of zeros into folder, fsynced; its MB/s (decimal).
double dd_megabytes_per_second(const fs::path& folder, int64_t megabytes) {
  const std::string command =
      fmt::format("dd if=/dev/zero of={}/dd.bin bs=1M count={} conv=fsync 2>/dev/null",
                  folder.string(), megabytes);
  const auto start = Clock::now();
  if (std::system(command.c_str()) != 0) return 0;
  const double seconds = seconds_since(start);
  fs::remove(folder / "dd.bin");
  return static_cast<double>(megabytes) * 1.048576 / seconds;
}

class Bench {
 public:
  Bench(const vdit::RunConfig& config, fs::path root)
      : trainer_(config, torch::kCPU), root_(std::move(root)) {
    const auto& options = trainer_.model()->options;
    input_.grid = vdit::PatchGrid{1, 16, 16};
    input_.tokens = torch::randn({2, input_.grid.tokens(), options.token_dim()});
    input_.timesteps = torch::tensor({10, 500}, torch::kInt64);
    input_.caption = torch::randint(1, 200, {2, options.caption.length}, torch::kInt64);
  }

  // One training step; `before_update` runs between backward and the update.
  double step(const std::function<void()>& before_update = {}) {
    const auto start = Clock::now();
    trainer_.optimizer().zero_grad();
    trainer_.model()->forward(input_).pow(2).mean().backward();
    if (before_update) before_update();
    trainer_.optimizer().step();
    if (trainer_.ema() != nullptr) trainer_.ema()->update(*trainer_.model());
    return seconds_since(start);
  }

  // Snapshot + write + fsync on this thread; returns the seconds and the bytes written.
  std::pair<double, int64_t> sync_save(int64_t step) {
    const auto start = Clock::now();
    const std::string folder = vdit::checkpoints::begin_checkpoint(root_.string(), step);
    vdit::checkpoints::ShardFile shard{
        "state-tp0-of-1.h5",
        vdit::training::snapshot_training_state(trainer_, true, std::move(sync_staging_))};
    const int64_t bytes = vdit::checkpoints::write_shard_into(folder, shard).size;
    const double seconds = seconds_since(start);
    sync_staging_ = std::move(shard.tensors);
    vdit::checkpoints::abort_checkpoint(root_.string(), step);
    return {seconds, bytes};
  }

  struct Background {
    double blocked = 0;  // the training thread waiting: start() + wait_staged()
    double step = 0;     // the step during the save, start() included
    double write = 0;    // the writer thread's write + fsync (after its snapshot)
  };
  // Starts a background save, then runs one step that waits for the snapshot before its update.
  Background background_save_and_step(int64_t step) {
    const std::string folder = vdit::checkpoints::begin_checkpoint(root_.string(), step);
    Background measured;
    const auto start = Clock::now();
    writer_.start(
        step, folder, "state-tp0-of-1.h5", [this, staging = std::move(async_staging_)]() mutable {
          return vdit::training::snapshot_training_state(trainer_, true, std::move(staging));
        });
    measured.blocked = seconds_since(start);
    this->step([&] {
      const auto waiting = Clock::now();
      writer_.wait_staged();
      measured.blocked += seconds_since(waiting);
    });
    measured.step = seconds_since(start);
    auto result = writer_.wait();
    measured.write = result->seconds;
    async_staging_ = std::move(result->tensors);
    vdit::checkpoints::abort_checkpoint(root_.string(), step);
    return measured;
  }

 private:
  vdit::training::Trainer trainer_;
  fs::path root_;
  vdit::model::DiTInput input_;
  vdit::checkpoints::BackgroundShardWriter writer_;
  std::vector<TensorRecord> sync_staging_, async_staging_;
};

}  // namespace

int main(int argc, char** argv) {
  const std::string preset = argc > 1 ? argv[1] : "vdit-s";
  const int repeats = argc > 2 ? std::stoi(argv[2]) : 3;
  const fs::path root = argc > 3 ? argv[3] : "/tmp/vdit-ckpt-bench";
  // One compute thread, as each rank runs under mpirun: the writer thread gets the other core.
  at::set_num_threads(1);
  vdit::RunConfig config = vdit::parse_run_config("", "bench", {"model.preset=" + preset});
  vdit::resolve_and_validate(config);
  fs::remove_all(root);
  Bench bench(config, root);
  bench.step();  // warm-up: allocator, BLAS buffers, AdamW state

  // Round 0 fills the snapshot buffers (page faults, reported apart); rounds 1..repeats reuse
  // them, as a worker does after its first save.
  double plain = 1e9, sync_held = 0, blocked = 0, slowdown = 0, write_seconds = 0;
  double first_sync = 0, first_blocked = 0;
  int64_t bytes = 0;
  for (int round = 0; round <= repeats; ++round) {
    plain = std::min(plain, bench.step());
    const auto [sync, written] = bench.sync_save(2 * round + 1);
    bytes = written;
    const auto background = bench.background_save_and_step(2 * round + 2);
    plain = std::min(plain, bench.step());
    if (round == 0) {
      first_sync = sync;
      first_blocked = background.blocked;
      continue;
    }
    sync_held += sync / repeats;
    blocked += background.blocked / repeats;
    slowdown += std::max(0.0, background.step - plain) / repeats;
    write_seconds += background.write / repeats;
  }
  const double megabytes = static_cast<double>(bytes) / 1e6;
  const double dd = dd_megabytes_per_second(root, static_cast<int64_t>(megabytes / 1.048576) + 1);
  fs::remove_all(root);

  fmt::print(
      "{}: state {:.1f} MB (model, EMA, AdamW moments); a step without a save {:.0f} ms; "
      "{} repeats\n\n",
      preset, megabytes, 1000 * plain, repeats);
  fmt::print("| save | training blocked per save | ratio |\n|---|---|---|\n");
  fmt::print("| synchronous (snapshot + write + fsync) | {:.0f} ms | 1.00x |\n", 1000 * sync_held);
  fmt::print("| background (snapshot overlapped with the next step) | {:.0f} ms | {:.3f}x |\n",
             1000 * blocked, blocked / sync_held);
  fmt::print(
      "| first save (fresh buffers): synchronous / background | {:.0f} / {:.0f} ms | "
      "{:.3f}x |\n",
      1000 * first_sync, 1000 * first_blocked, first_blocked / first_sync);
  fmt::print(
      "| step slowdown during a background save (CPU shared with the writer) | {:.0f} ms "
      "| {:.3f}x |\n\n",
      1000 * slowdown, slowdown / sync_held);
  fmt::print("| write | MB/s | vs dd |\n|---|---|---|\n");
  fmt::print("| shard write on the writer thread (HDF5 + fsync + CRC-32) | {:.0f} | {:.2f}x |\n",
             megabytes / write_seconds, megabytes / write_seconds / dd);
  fmt::print("| dd bs=1M conv=fsync, same size, same folder | {:.0f} | 1.00x |\n", dd);
  return 0;
}
