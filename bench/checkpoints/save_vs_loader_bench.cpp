// The data loader during a checkpoint save: the share of step time spent waiting for data in the
// steps that overlap a shard write, with the old locking against the current one, in one run.
//   vdit_bench_save_vs_loader [state_mb=256] [repeats=3] [piece_kb=4096] [folder=/tmp/vdit-...]
// A "training" thread takes batches of 8 samples (8x32x32 pixel clips) from a reader thread two
// batches ahead, as StreamingLoader does, and computes for 20 ms per step (a sleep: this measures
// waiting, not CPU contention). Meanwhile a save writes `state_mb` of float32 tensors
// (2304 x 1152, a DiT-XL MLP weight's shape) into one checkpoint shard and fsyncs it.
//   before: the project lock vdit used to hold: taken by every shard read and held across the
//           whole shard write, each tensor written in one H5Dwrite (write_shard_file(..., 0)).
//   after:  no project lock; tensors written in hyperslabs of piece_kb (default
//           kShardWritePieceBytes, what vdit uses), so a read waits for HDF5's own per-call lock
//           for at most one piece.
// data wait share = sum of the steps' waits / sum of their durations, over the steps that overlap
// the save (start of the write to the end of the fsync).
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "checkpoints/durable_file.h"
#include "checkpoints/shard_file.h"
#include "data/shard_reader.h"
#include "data/synthetic_videos.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr int64_t kBatch = 8;
constexpr auto kCompute = std::chrono::milliseconds(20);
constexpr int kPrefetch = 2;

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// The loader's read-ahead thread, reduced to what matters here: batches of whole samples read
// through ShardReader into a bounded queue. With `project_lock`, each read holds it, as every
// ShardReader call used to hold data::hdf5_mutex().
class ReadAhead {
 public:
  ReadAhead(const std::string& shard, std::mutex* project_lock)
      : reader_(vdit::data::ShardReader::open(shard)), project_lock_(project_lock) {
    bucket_ = reader_.info().buckets.front().shape;
    samples_ = reader_.info().buckets.front().samples;
    thread_ = std::thread([this] { run(); });
  }
  ~ReadAhead() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }
  // Blocks until a batch is ready; returns the seconds it waited.
  double next() {
    const auto start = Clock::now();
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return ready_ > 0; });
    --ready_;
    changed_.notify_all();
    return seconds_between(start, Clock::now());
  }

 private:
  void run() {
    int64_t row = 0;
    while (true) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [&] { return stopping_ || ready_ < kPrefetch; });
        if (stopping_) return;
      }
      for (int64_t i = 0; i < kBatch; ++i, row = (row + 1) % samples_) {
        std::optional<std::lock_guard<std::mutex>> held;
        if (project_lock_ != nullptr) held.emplace(*project_lock_);
        reader_.read_tokens(bucket_, row);
      }
      {
        std::lock_guard<std::mutex> lock(mutex_);
        ++ready_;
      }
      changed_.notify_all();
    }
  }

  vdit::data::ShardReader reader_;
  std::mutex* project_lock_;
  vdit::data::BucketShape bucket_;
  int64_t samples_ = 0;
  std::mutex mutex_;
  std::condition_variable changed_;
  int ready_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

std::vector<vdit::checkpoints::TensorRecord> make_state(int64_t megabytes) {
  const int64_t rows = 2304, columns = 1152;
  const int64_t count = std::max<int64_t>(1, megabytes * 1000000 / (rows * columns * 4));
  std::vector<vdit::checkpoints::TensorRecord> state;
  for (int64_t i = 0; i < count; ++i) {
    vdit::checkpoints::TensorRecord tensor;
    tensor.name = fmt::format("model/blocks.{}.mlp.fc1.weight", i);
    tensor.shape = tensor.global_shape = {rows, columns};
    tensor.values.assign(static_cast<size_t>(rows * columns), 0.001f * static_cast<float>(i));
    state.push_back(std::move(tensor));
  }
  return state;
}

struct Measured {
  double wait_share = 0;  // of the steps overlapping the save
  double longest_wait = 0;
  int overlapping_steps = 0;
  double save_seconds = 0;
  double write_seconds = 0;  // of it, in write_shard_file (the rest is the fsync)
  double fsync_wait = 0;     // waits of the steps that started after the HDF5 write ended
};

Measured run_once(bool before, const std::string& shard, const fs::path& folder,
                  const std::vector<vdit::checkpoints::TensorRecord>& state, int64_t piece_bytes) {
  std::mutex project_lock;
  ReadAhead loader(shard, before ? &project_lock : nullptr);
  for (int warm = 0; warm < 5; ++warm) {  // fill the queue and the page cache
    loader.next();
    std::this_thread::sleep_for(kCompute);
  }
  Clock::time_point save_start, write_end, save_end;
  bool saved = false;
  std::mutex save_mutex;
  std::thread saver([&] {
    const std::string path = (folder / "state-tp0-of-1.h5").string();
    const auto start = Clock::now();
    {
      std::optional<std::lock_guard<std::mutex>> held;
      if (before) held.emplace(project_lock);
      vdit::checkpoints::write_shard_file(path, state, before ? 0 : piece_bytes);
    }
    const auto written = Clock::now();
    vdit::checkpoints::fsync_path(path);
    std::lock_guard<std::mutex> lock(save_mutex);
    save_start = start;
    write_end = written;
    save_end = Clock::now();
    saved = true;
  });
  struct Step {
    Clock::time_point start, end;
    double wait;
  };
  std::vector<Step> steps;
  while (true) {
    const auto start = Clock::now();
    const double wait = loader.next();
    std::this_thread::sleep_for(kCompute);
    steps.push_back({start, Clock::now(), wait});
    std::lock_guard<std::mutex> lock(save_mutex);
    if (saved && steps.back().start > save_end) break;  // one step past the save
  }
  saver.join();
  Measured measured;
  measured.save_seconds = seconds_between(save_start, save_end);
  measured.write_seconds = seconds_between(save_start, write_end);
  double waited = 0, total = 0;
  for (const Step& step : steps) {
    if (step.end < save_start || step.start > save_end) continue;
    waited += step.wait;
    total += seconds_between(step.start, step.end);
    measured.longest_wait = std::max(measured.longest_wait, step.wait);
    if (step.start > write_end) measured.fsync_wait += step.wait;
    ++measured.overlapping_steps;
  }
  measured.wait_share = total > 0 ? waited / total : 0;
  return measured;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t state_mb = argc > 1 ? std::atoll(argv[1]) : 256;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 3;
  const int64_t piece_bytes =
      argc > 3 ? 1024 * std::atoll(argv[3]) : vdit::checkpoints::kShardWritePieceBytes;
  const fs::path folder = argc > 4 ? argv[4] : "/tmp/vdit-save-loader-bench";
  if (state_mb < 1 || repeats < 1 || piece_bytes < 1) {
    fmt::print(stderr, "usage: {} [state_mb >= 1] [repeats >= 1] [piece_kb >= 1] [folder]\n",
               argv[0]);
    return 2;
  }
  try {
    fs::remove_all(folder);
    vdit::data::SynthOptions synth;
    synth.out_dir = (folder / "data").string();
    synth.clips_per_bucket = 256;
    synth.buckets = {{8, 32, 32}};
    synth.warnings = nullptr;
    const std::string shard = vdit::data::write_synthetic_dataset(synth).front();
    const auto state = make_state(state_mb);
    fmt::print("state {} MB in {} tensors, pieces of {} kB; steps of {} samples + {} ms compute\n",
               state.size() * state.front().values.size() * 4 / 1000000, state.size(),
               piece_bytes / 1024, kBatch, kCompute.count());
    // Alternate the two modes so that drift in the machine's load hits both alike; report the
    // median of each.
    std::vector<Measured> before, after;
    for (int round = 0; round < repeats; ++round) {
      before.push_back(run_once(true, shard, folder, state, piece_bytes));
      after.push_back(run_once(false, shard, folder, state, piece_bytes));
    }
    auto median = [](std::vector<Measured> runs) {
      std::sort(runs.begin(), runs.end(),
                [](const Measured& a, const Measured& b) { return a.wait_share < b.wait_share; });
      return runs[runs.size() / 2];
    };
    const Measured old_lock = median(before), pieces = median(after);
    for (const auto& [name, m] : {std::pair{"before (lock across the write)", old_lock},
                                  std::pair{"after (no lock, pieces)", pieces}}) {
      fmt::print(
          "{:<32} data wait {:5.1f}% of {} steps overlapping a {:.2f} s save ({:.2f} s HDF5 "
          "write, then fsync); longest wait {:.0f} ms; waited {:.0f} ms in steps started "
          "during the fsync\n",
          name, 100 * m.wait_share, m.overlapping_steps, m.save_seconds, m.write_seconds,
          1000 * m.longest_wait, 1000 * m.fsync_wait);
    }
    fmt::print("data-wait share after / before: {:.3f}x\n",
               old_lock.wait_share > 0 ? pieces.wait_share / old_lock.wait_share : 0.0);
    fs::remove_all(folder);
  } catch (const std::exception& error) {
    fmt::print(stderr, "vdit_bench_save_vs_loader: {}\n", error.what());
    return 1;
  }
  return 0;
}
