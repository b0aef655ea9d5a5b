// Bucketed gradient all-reduce vs. one raw MPI_Allreduce of the same bytes, and vs. one collective
// per tensor. Run: mpirun -np 2 vdit_bench_bucketed_all_reduce [blocks] [hidden] [repeats]
// The gradients mimic DiT blocks of width `hidden`: attention qkv/proj, MLP fc1/fc2, adaLN
// modulation, each with its bias, so the list mixes multi-MB weights with KB-sized biases.
#include <fmt/core.h>
#include <mpi.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <vector>

#include "parallel/bucketed_all_reduce.h"
#include "parallel/mpi/mpi_communicator.h"
#include "parallel/mpi_environment.h"

namespace {

using vdit::parallel::Communicator;

std::vector<torch::Tensor> dit_like_gradients(int blocks, int64_t hidden) {
  const std::vector<std::pair<int64_t, int64_t>> block_weights = {
      {3 * hidden, hidden}, {hidden, hidden},      // attention qkv, output projection
      {4 * hidden, hidden}, {hidden, 4 * hidden},  // MLP fc1, fc2
      {6 * hidden, hidden},                        // adaLN-Zero modulation
  };
  std::vector<torch::Tensor> gradients;
  for (int block = 0; block < blocks; ++block) {
    for (const auto& [rows, columns] : block_weights) {
      gradients.push_back(torch::randn({rows, columns}));
      gradients.push_back(torch::randn({rows}));
    }
  }
  return gradients;
}

// Slowest rank's median wall time of `step` in milliseconds: a collective is as slow as its last
// participant.
double median_ms(const std::function<void()>& step, int repeats) {
  std::vector<double> times;
  step();  // warm-up: first-touch of buffers and MPI's connection setup
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
  auto environment = vdit::parallel::MpiEnvironment::initialize(&argc, &argv);
  torch::set_num_threads(1);
  const int blocks = argc > 1 ? std::atoi(argv[1]) : 6;
  const int64_t hidden = argc > 2 ? std::atoll(argv[2]) : 512;
  const int repeats = argc > 3 ? std::atoi(argv[3]) : 7;

  const Communicator world = vdit::parallel::MpiCommunicator::create(
      vdit::parallel::MpiCommunicatorHandle(MPI_COMM_WORLD));
  const std::vector<torch::Tensor> gradients = dit_like_gradients(blocks, hidden);
  int64_t elements = 0;
  for (const torch::Tensor& gradient : gradients) elements += gradient.numel();
  torch::Tensor flat = torch::randn({elements});

  vdit::parallel::BucketedAllReducer reducer(world);
  const double bucketed = median_ms([&] { reducer.all_reduce(gradients); }, repeats);
  const double raw = median_ms(
      [&] {
        MPI_Allreduce(MPI_IN_PLACE, flat.data_ptr(), static_cast<int>(elements), MPI_FLOAT, MPI_SUM,
                      MPI_COMM_WORLD);
      },
      repeats);
  // The bucketed path minus its copies: the same bytes as raw, in bucket-sized messages.
  const int64_t bucket_elements = vdit::parallel::kDefaultBucketBytes / 4;
  const double raw_chunks = median_ms(
      [&] {
        for (int64_t offset = 0; offset < elements; offset += bucket_elements) {
          const int64_t count = std::min(bucket_elements, elements - offset);
          MPI_Allreduce(MPI_IN_PLACE, flat.data_ptr<float>() + offset, static_cast<int>(count),
                        MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        }
      },
      repeats);
  const double per_tensor = median_ms(
      [&] {
        for (const torch::Tensor& gradient : gradients) world.all_reduce_sum(gradient);
      },
      repeats);

  if (environment.world_rank() == 0) {
    fmt::print("ranks {}, {} tensors, {:.1f} MB float32, buckets of {} MB, median of {}\n",
               environment.world_size(), gradients.size(), elements * 4 / 1e6,
               vdit::parallel::kDefaultBucketBytes >> 20, repeats);
    fmt::print("  raw MPI_Allreduce, one buffer : {:8.1f} ms\n", raw);
    fmt::print("  raw MPI_Allreduce, 25 MB parts: {:8.1f} ms  ({:.2f}x raw)\n", raw_chunks,
               raw_chunks / raw);
    fmt::print("  bucketed all_reduce           : {:8.1f} ms  ({:.2f}x raw)\n", bucketed,
               bucketed / raw);
    fmt::print("  one all_reduce per tensor     : {:8.1f} ms  ({:.2f}x raw)\n", per_tensor,
               per_tensor / raw);
  }
  return 0;
}
