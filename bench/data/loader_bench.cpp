// Measures the streaming loader's samples/s and MB/s (of float tokens handed out) on synthetic
// shards, for comparison with loader_bench_h5py.py reading the same samples with h5py.
#include <fmt/core.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "core/cpu_runtime.h"
#include "data/loader.h"
#include "data/synthetic_videos.h"

int main(int argc, char** argv) {
  // The malloc settings `vdit train` runs with (core/cpu_runtime.h).
  const std::string runtime_note = vdit::apply_cpu_runtime_settings(argv);
  if (!runtime_note.empty()) fmt::print("{}\n", runtime_note);
  if (argc < 2) {
    fmt::print(stderr, "usage: {} DIR [batches=200] [global_batch=8] [sp_size=1]\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const int batches = argc > 2 ? std::atoi(argv[2]) : 200;
  const int64_t global_batch = argc > 3 ? std::atoll(argv[3]) : 8;
  const int sp_size = argc > 4 ? std::atoi(argv[4]) : 1;
  try {
    std::vector<std::string> paths;
    if (std::filesystem::exists(dir)) {
      for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() == ".h5") paths.push_back(entry.path().string());
      }
    }
    if (paths.empty()) {
      vdit::data::SynthOptions options;
      options.out_dir = dir;
      options.clips_per_bucket = 128;
      options.buckets = {{16, 64, 64}};
      options.shards = 4;
      options.seed = 1;
      paths = vdit::data::write_synthetic_dataset(options);
    }
    vdit::data::LoaderOptions options;
    options.shard_paths = paths;
    options.global_batch_size = global_batch;
    options.rank.sp_size = sp_size;
    options.prefetch_depth = 4;
    vdit::data::StreamingLoader loader(options);
    double wait = 0, read = 0;
    int64_t samples = 0, bytes = 0;
    const auto start = std::chrono::steady_clock::now();
    for (int b = 0; b < batches; ++b) {
      const vdit::data::LoadedBatch loaded = loader.next();
      wait += loaded.wait_seconds;
      read += loaded.batch.read_seconds;
      samples += loaded.batch.batch;
      bytes += static_cast<int64_t>(loaded.batch.tokens.size() * sizeof(float));
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    fmt::print(
        "vdit loader: {} batches of {} (sp {}) in {:.3f} s: {:.0f} samples/s, {:.1f} MB/s "
        "float tokens; reader thread busy {:.3f} s, consumer waited {:.3f} s\n",
        batches, global_batch, sp_size, seconds, samples / seconds, bytes / seconds / 1e6, read,
        wait);
  } catch (const std::exception& error) {
    fmt::print(stderr, "loader_bench: {}\n", error.what());
    return 1;
  }
  return 0;
}
