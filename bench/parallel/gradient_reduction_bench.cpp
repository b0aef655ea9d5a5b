// Data-parallel gradient reduction: how much of it a step still waits for once it overlaps with
// backward, next to one raw MPI_Allreduce of the same bytes, measured side by side in one run.
// Run: mpirun -np 2 vdit_bench_gradient_reduction [blocks] [hidden] [tokens] [repeats]
//
// The model is a stack of DiT-like MLP blocks of width `hidden` (fc1 hidden -> 4 hidden, GELU,
// fc2 back, and a hidden x hidden projection; residual), so backward produces multi-MB weight
// gradients and KB-sized bias gradients, last block first. Timed, each the slowest rank's median:
//   backward           backward alone, gradients set to none (no reduction: the floor)
//   reduced after      backward, then every bucket reduced (the reducer's first-step path)
//   overlapped         backward with buckets reduced as they fill, then the wait for the rest
//   raw                one MPI_Allreduce of a flat buffer holding all gradient bytes
#include <fmt/core.h>
#include <mpi.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "core/cpu_runtime.h"
#include "parallel/mpi/mpi_communicator.h"
#include "parallel/mpi_environment.h"
#include "parallel/overlapped_gradient_reducer.h"

namespace {

using vdit::parallel::Communicator;
using vdit::parallel::OverlappedGradientReducer;

struct MlpBlockImpl : torch::nn::Module {
  MlpBlockImpl(int64_t hidden)
      : fc1(register_module("fc1", torch::nn::Linear(hidden, 4 * hidden))),
        fc2(register_module("fc2", torch::nn::Linear(4 * hidden, hidden))),
        projection(register_module("projection", torch::nn::Linear(hidden, hidden))) {}
  // (tokens, hidden) -> (tokens, hidden)
  torch::Tensor forward(const torch::Tensor& x) {
    const torch::Tensor mixed = x + projection(x);
    return mixed + fc2(torch::gelu(fc1(mixed)));
  }
  torch::nn::Linear fc1, fc2, projection;
};
TORCH_MODULE(MlpBlock);

// Slowest rank's median wall time of `step` in milliseconds: a collective is as slow as its last
// participant.
double median_ms(const std::function<void()>& step, int repeats) {
  std::vector<double> times;
  step();  // warm-up: first touch of buffers, MPI's connection setup, the reducer's first step
  for (int repeat = 0; repeat < repeats; ++repeat) {
    MPI_Barrier(MPI_COMM_WORLD);
    const auto start = std::chrono::steady_clock::now();
    step();
    double elapsed =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    MPI_Allreduce(MPI_IN_PLACE, &elapsed, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    times.push_back(elapsed);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  // The kernels and malloc settings `vdit train` runs with (core/cpu_runtime.h); before MPI.
  const std::string runtime_note = vdit::apply_cpu_runtime_settings(argv);
  auto environment = vdit::parallel::MpiEnvironment::initialize(&argc, &argv);
  torch::set_num_threads(1);
  const int blocks = argc > 1 ? std::atoi(argv[1]) : 6;
  const int64_t hidden = argc > 2 ? std::atoll(argv[2]) : 512;
  const int64_t tokens = argc > 3 ? std::atoll(argv[3]) : 256;
  const int repeats = argc > 4 ? std::atoi(argv[4]) : 7;

  const Communicator world = vdit::parallel::MpiCommunicator::create(
      vdit::parallel::MpiCommunicatorHandle(MPI_COMM_WORLD));
  torch::manual_seed(0);
  torch::nn::Sequential model;
  for (int block = 0; block < blocks; ++block) model->push_back(MlpBlock(hidden));
  const std::vector<torch::Tensor> parameters = model->parameters();
  int64_t elements = 0;
  for (const torch::Tensor& parameter : parameters) elements += parameter.numel();
  const torch::Tensor input = torch::randn({tokens, hidden});
  const auto backward = [&] { model->forward(input).square().mean().backward(); };

  const double alone = median_ms(
      [&] {
        model->zero_grad(/*set_to_none=*/true);
        backward();
      },
      repeats);

  double reduced_after = 0, overlapped = 0, overlapped_wait = 0;
  size_t bucket_count = 0, started_in_backward = 0;
  {
    OverlappedGradientReducer reducer(world, parameters);
    bucket_count = reducer.bucket_count();
    // A graph key never seen before takes the first-step path: nothing starts inside backward.
    int64_t fresh_key = 1;
    reduced_after = median_ms(
        [&] {
          reducer.zero_grad();
          reducer.begin_backward(/*last=*/true, fresh_key++);
          backward();
          reducer.finish();
        },
        repeats);
    std::vector<double> waits;
    overlapped = median_ms(
        [&] {
          reducer.zero_grad();
          reducer.begin_backward(/*last=*/true, /*graph_key=*/0);
          backward();
          const auto start = std::chrono::steady_clock::now();
          reducer.finish();
          waits.push_back(std::chrono::duration<double, std::milli>(
                              std::chrono::steady_clock::now() - start)
                              .count());
        },
        repeats);
    std::sort(waits.begin(), waits.end());
    overlapped_wait = waits[waits.size() / 2];
    MPI_Allreduce(MPI_IN_PLACE, &overlapped_wait, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    started_in_backward = reducer.buckets_started_in_backward();
  }

  torch::Tensor flat = torch::randn({elements});
  const double raw = median_ms(
      [&] {
        MPI_Allreduce(MPI_IN_PLACE, flat.data_ptr(), static_cast<int>(elements), MPI_FLOAT, MPI_SUM,
                      MPI_COMM_WORLD);
      },
      repeats);

  if (environment.world_rank() == 0) {
    if (!runtime_note.empty()) fmt::print("{}\n", runtime_note);
    fmt::print(
        "ranks {}, {} blocks of width {}, {} tokens: {} gradients, {:.1f} MB float32, {} buckets "
        "of <= {} MB ({} started inside backward), median of {}\n",
        environment.world_size(), blocks, hidden, tokens, parameters.size(), elements * 4 / 1e6,
        bucket_count, vdit::parallel::kDefaultBucketBytes >> 20, started_in_backward, repeats);
    fmt::print("  raw MPI_Allreduce, one buffer   : {:8.1f} ms\n", raw);
    fmt::print("  backward alone                  : {:8.1f} ms\n", alone);
    fmt::print("  backward, then bucketed reduce  : {:8.1f} ms  reduction {:7.1f} ms = {:.2f}x raw\n",
               reduced_after, reduced_after - alone, (reduced_after - alone) / raw);
    fmt::print("  backward overlapped with reduce : {:8.1f} ms  not hidden {:7.1f} ms = {:.2f}x raw"
               " (wait in finish {:.1f} ms = {:.2f}x raw)\n",
               overlapped, overlapped - alone, (overlapped - alone) / raw, overlapped_wait,
               overlapped_wait / raw);
  }
  return 0;
}
